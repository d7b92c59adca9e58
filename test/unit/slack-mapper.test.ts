// What people read in Slack (approval cards, modals, App Home) against golden files, and the inbound mapping.
import { describe, expect, it } from 'vitest';
import type { ApprovalCard } from '../../bot/core/approvals.port.js';
import {
  clickDeliveryId,
  commandText,
  escapeMrkdwn,
  isCommandPayload,
  originOf,
  renderApproval,
  renderReply,
} from '../../bot/slack/mapper.js';
import { homeView, parseRejectContext, rejectModal } from '../../bot/slack/views.js';
import { fixture } from '../helpers/slack.js';

const SLACK_IDS: Record<string, string[]> = { bob: ['U0BOB0001'], carol: ['U0CAROL01'], erin: ['U0ERIN001'], dave: [] };
const slackIdsOf = (_tenant: string, member: string) => SLACK_IDS[member] ?? [];

const pending: ApprovalCard = {
  id: 'ap-7f3k2',
  tenantId: 'acme',
  state: 'pending',
  requester: { memberId: 'alice', name: 'Alice Developer' },
  summary: 'deploy payments to production at v1.4.2',
  rule: 'prod-deploys',
  remaining: '1 more approval from devops',
  decisions: [
    { memberId: 'bob', name: 'Bob Lead', decision: 'approve', platform: 'slack', at: '2026-11-25T10:00:00.000Z' },
  ],
  expiresAt: '2026-11-26T10:00:00.000Z',
  eligibleApprovers: [
    { memberId: 'carol', name: 'Carol Ops' },
    { memberId: 'erin', name: 'Erin Admin' },
    { memberId: 'dave', name: 'Dave' },
  ],
};

describe('Block Kit rendering (golden files)', () => {
  it('renders a pending approval with who asked, what, the rule, what remains, mentions and both buttons', async () => {
    await expect(JSON.stringify(renderApproval(pending, slackIdsOf), null, 2)).toMatchFileSnapshot(
      '../fixtures/slack/golden/approval-pending.json',
    );
  });

  it('renders a decided approval without buttons or mentions', async () => {
    const rejected: ApprovalCard = {
      ...pending,
      state: 'rejected',
      remaining: '',
      decisions: [
        ...pending.decisions,
        {
          memberId: 'carol',
          name: 'Carol Ops',
          decision: 'reject',
          platform: 'slack',
          at: '2026-11-25T10:05:00.000Z',
          reason: 'freeze <until> Monday & later',
        },
      ],
    };
    const rendered = renderApproval(rejected, slackIdsOf);
    expect(JSON.stringify(rendered.blocks)).not.toContain('void_approve');
    await expect(JSON.stringify(rendered, null, 2)).toMatchFileSnapshot(
      '../fixtures/slack/golden/approval-rejected.json',
    );
  });

  it('renders a voided request as void (not "Cancelled"), with why, without buttons', async () => {
    const voided: ApprovalCard = {
      ...pending,
      state: 'cancelled',
      remaining: '',
      eligibleApprovers: [],
      voided: { note: 'main moved from 1a2b3c4 to 9f8e7d6 since it was requested' },
    };
    const rendered = renderApproval(voided, slackIdsOf);
    expect(rendered.text).toMatch(/^♻️ Void: /);
    expect(JSON.stringify(rendered)).not.toContain('Cancelled');
    expect(JSON.stringify(rendered.blocks)).not.toContain('void_approve');
    await expect(JSON.stringify(rendered, null, 2)).toMatchFileSnapshot(
      '../fixtures/slack/golden/approval-voided.json',
    );
  });

  it("shows times in each reader's time zone (Slack date token, UTC fallback) and commits as short SHAs", () => {
    const text = renderReply(
      {
        text: `⌛ Request ap-1 expired at 2026-11-26T10:00:00.000Z; it would have deployed ${'a'.repeat(40)}.`,
        kind: 'answer',
      },
      slackIdsOf,
    ).text;
    expect(text).toBe(
      '⌛ Request ap-1 expired at <!date^1795687200^{date_short_pretty} at {time}|26 Nov 2026 10:00 UTC>; ' +
        'it would have deployed aaaaaaa.',
    );
  });

  it('renders the reject modal and the App Home tab', async () => {
    await expect(
      JSON.stringify(
        rejectModal({ approvalId: 'ap-7f3k2', channel: 'C1', messageTs: '1.2', threadTs: '1.1' }),
        null,
        2,
      ),
    ).toMatchFileSnapshot('../fixtures/slack/golden/reject-modal.json');
    const home = homeView({
      name: 'Carol Ops',
      tenant: 'Acme Payments',
      pending: [pending],
      jobs: [
        {
          id: 'review-abc',
          kind: 'review',
          state: 'completed',
          requester: 'carol',
          createdAt: '2026-11-25T09:00:00.000Z',
          attemptsMade: 1,
        },
      ],
      approvalsEnabled: true,
    });
    await expect(JSON.stringify(home, null, 2)).toMatchFileSnapshot('../fixtures/slack/golden/app-home.json');
  });

  it('escapes what people typed so it cannot inject mentions or links', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|x>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
    expect(renderReply({ text: 'hi <!here>' }, slackIdsOf).text).toBe('hi &lt;!here&gt;');
  });
});

describe('inbound mapping', () => {
  it("strips the bot mention and undoes Slack's escaping", () => {
    expect(commandText('<@U0VOID0001> review acme/api#42')).toBe('review acme/api#42');
    expect(commandText('  <@U0VOID0001|void>   deploy payments to prod &amp; more')).toBe(
      'deploy payments to prod & more',
    );
  });

  it('finds team, enterprise and user in the documented payloads', () => {
    expect(originOf(fixture('app-mention.json'))).toEqual({
      teamId: 'T123ABC456',
      userId: 'U123ABC456',
      enterpriseId: undefined,
    });
    expect(originOf(fixture('block-actions.json'))).toEqual({
      teamId: 'T9TK3CUKW',
      userId: 'UA8RXUSPL',
      enterpriseId: undefined,
    });
    expect(originOf(fixture('view-submission.json'))).toEqual({
      teamId: 'T0MJRM1A7',
      userId: 'U0MJRG1AL',
      enterpriseId: undefined,
    });
  });

  it('gives a double click the same delivery id, and another person or message another one', () => {
    const body = fixture('block-actions.json');
    const action = { action_id: 'void_approve', value: 'ap-1' };
    const again = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    (again as { actions: unknown[] }).actions = [{ ...action, action_ts: '999.1' }];
    expect(clickDeliveryId(again, action)).toBe(clickDeliveryId(body, action));
    const other = { ...body, user: { id: 'U0OTHER01', team_id: 'T9TK3CUKW' } };
    expect(clickDeliveryId(other, action)).not.toBe(clickDeliveryId(body, action));
  });

  it("treats only Void's own buttons and modal as commands; other actions are ignored", () => {
    expect(isCommandPayload(fixture('block-actions.json'))).toBe(false);
    expect(
      isCommandPayload({ ...fixture('block-actions.json'), actions: [{ action_id: 'void_approve', value: 'x' }] }),
    ).toBe(true);
    expect(isCommandPayload(fixture('view-submission.json'))).toBe(false);
    expect(parseRejectContext('shhh-its-secret')).toBeUndefined();
  });
});

describe('Enterprise Grid', () => {
  it('maps a workspace of a bound enterprise to its tenant, and prefers a bound team id', async () => {
    const { TenantRegistry } = await import('../../bot/core/registry.js');
    const { parseTenantsYaml } = await import('../../bot/config/load.js');
    const { workspaceIdFor } = await import('../../bot/slack/mapper.js');
    const yaml = `version: 1
tenants:
  - id: grid
    name: Grid Corp
    bindings:
      slack:
        teamIds: [T0GRIDHQ1]
        enterpriseId: E0GRID001
    members:
      - id: ann
        name: Ann
        roles: [admin]
        identities:
          slack: W0ANN0001
`;
    const registry = new TenantRegistry(parseTenantsYaml(yaml, 'grid.yaml'));
    expect(workspaceIdFor(registry, { teamId: 'T0OTHERWS', enterpriseId: 'E0GRID001' })).toBe('E0GRID001');
    expect(workspaceIdFor(registry, { teamId: 'T0GRIDHQ1', enterpriseId: 'E0GRID001' })).toBe('T0GRIDHQ1');
    expect(
      registry.resolve(
        'slack',
        workspaceIdFor(registry, { teamId: 'T0OTHERWS', enterpriseId: 'E0GRID001' }),
        'W0ANN0001',
      ).ok,
    ).toBe(true);
    expect(workspaceIdFor(registry, { teamId: 'T0OTHERWS', enterpriseId: 'E0ELSEWHERE' })).toBe('T0OTHERWS');
  });
});
