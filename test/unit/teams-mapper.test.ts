// Teams activities → neutral commands, and replies/approval requests → what Teams shows (golden files).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TurnContext, type Activity } from 'botbuilder';
import type { ApprovalCard } from '../../bot/core/approvals.port.js';
import { approvalCard, parseCardAction } from '../../bot/teams/cards.js';
import { parseActivity, renderReply, toInboundCommand, type TeamsActivity } from '../../bot/teams/mapper.js';
import { fixture } from '../helpers/teams.js';

const GOLDEN = new URL('../fixtures/teams/golden/', import.meta.url);

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it (review the diff like code). */
function expectGolden(name: string, value: unknown): void {
  const url = new URL(name, GOLDEN);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(url, text);
  expect(text).toBe(readFileSync(url, 'utf8'));
}

function inbound(activity: Record<string, unknown>) {
  const parsed = parseActivity(Buffer.from(JSON.stringify(activity)));
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  const text = TurnContext.removeRecipientMention(structuredClone(activity) as unknown as Activity) ?? '';
  return toInboundCommand(parsed.activity as TeamsActivity, text);
}

const pending: ApprovalCard = {
  id: 'apr-7f3a',
  tenantId: 'acme',
  state: 'pending',
  requester: { memberId: 'alice', name: 'Alice Developer' },
  summary: 'deploy payments to production at v1.4.2',
  rule: 'production deploys',
  remaining: '1 more approval from devops',
  decisions: [
    { memberId: 'bob', name: 'Bob Lead', decision: 'approve', platform: 'slack', at: '2026-11-25T21:03:00.000Z' },
  ],
  expiresAt: '2026-11-26T21:00:00.000Z',
  eligibleApprovers: [
    { memberId: 'carol', name: 'Carol Ops' },
    { memberId: 'erin', name: 'Erin Admin' },
  ],
};

describe('Teams mapper', () => {
  it('turns an @mention in a channel into the command without the mention, keyed by AAD tenant and object id', () => {
    const activity = fixture('channel-mention', { id: '1485983408511' });
    expect(inbound(activity)).toEqual({
      platform: 'teams',
      workspaceId: '72f988bf-0000-4000-8000-00000000acme',
      platformUserId: '00000000-0000-4000-8000-0000000a11ce',
      text: 'status',
      thread: {
        platform: 'teams',
        channel: '19:264ed8e8a7d44b11a9e1fba1e1f8bfb4@thread.tacv2;messageid=1485983408511',
        thread: '1485983408511',
      },
      deliveryId: '1485983408511',
    });
  });

  it('takes plain text in personal chat, and ignores channel messages that do not mention Void', () => {
    expect(inbound(fixture('personal-message'))?.text).toBe('whoami');
    expect(inbound(fixture('channel-mention', { entities: [], text: 'status' }))).toBeUndefined();
    expect(inbound(fixture('channel-mention', { text: '<at>Void</at>&nbsp;review acme/payments#42 ' }))?.text).toBe(
      'review acme/payments#42',
    );
  });

  it('reads the tenant from channelData when the conversation does not carry it', () => {
    const activity = fixture('channel-mention');
    const conversation = { ...(activity.conversation as Record<string, unknown>) };
    delete conversation.tenantId;
    expect(inbound({ ...activity, conversation })?.workspaceId).toBe('72f988bf-0000-4000-8000-00000000acme');
  });

  it('refuses malformed activities with a clear message instead of throwing', () => {
    expect(parseActivity(Buffer.from('not json'))).toMatchObject({
      ok: false,
      refusal: { code: 'request.bad_json', message: 'The body is not valid JSON.' },
    });
    const missing = parseActivity(
      Buffer.from(JSON.stringify({ type: 'message', channelId: 'msteams', conversation: { id: 'x' } })),
    );
    expect(missing.ok).toBe(false);
    expect(parseActivity(Buffer.from('{"__proto__": {"polluted": true}, "type": 1}')).ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('renders text replies as escaped Teams xml with line breaks', () => {
    expect(renderReply({ text: '✅ status done: <2> jobs\nline & two', kind: 'answer' })).toEqual({
      type: 'message',
      textFormat: 'xml',
      text: '✅ status done: &lt;2&gt; jobs<br>line &amp; two',
    });
  });

  it('renders a pending approval as an Adaptive Card 1.5 with Approve / Reject (reason) actions', () => {
    expectGolden('approval-pending.json', approvalCard(pending, new Date('2026-11-25T21:00:00.000Z')));
  });

  it('renders a decided approval without actions, naming who decided', () => {
    const approved: ApprovalCard = {
      ...pending,
      state: 'approved',
      remaining: '',
      decisions: [
        ...pending.decisions,
        {
          memberId: 'carol',
          name: 'Carol Ops',
          decision: 'approve',
          platform: 'teams',
          at: '2026-11-25T21:05:00.000Z',
        },
      ],
    };
    const card = approvalCard(approved, new Date('2026-11-25T21:10:00.000Z'));
    expect(card.actions).toEqual([]);
    expectGolden('approval-approved.json', card);
  });

  it('renders a voided request as void (not "Cancelled"), with why, and no actions', () => {
    const card = approvalCard(
      {
        ...pending,
        state: 'cancelled',
        remaining: '',
        eligibleApprovers: [],
        voided: { note: 'ticket PAY-12 was edited' },
      },
      new Date('2026-11-25T21:10:00.000Z'),
    );
    expect(card.actions).toEqual([]);
    expect(JSON.stringify(card)).toContain('"value":"♻️ Void"');
    expect(JSON.stringify(card)).toContain(
      'Void: ticket PAY-12 was edited. Approvals count only for what will run; ask again.',
    );
    expect(JSON.stringify(card)).not.toContain('Cancelled');
  });

  it('reads Approve / Reject clicks, and nothing else', () => {
    expect(
      parseCardAction({ action: { type: 'Action.Execute', verb: 'void.approve', data: { approvalId: 'apr-7f3a' } } }),
    ).toEqual({ decision: 'approve', approvalId: 'apr-7f3a', reason: undefined });
    expect(
      parseCardAction({
        action: {
          type: 'Action.Execute',
          verb: 'void.reject',
          data: { approvalId: 'apr-7f3a', reason: '  not today ' },
        },
      }),
    ).toEqual({ decision: 'reject', approvalId: 'apr-7f3a', reason: 'not today' });
    expect(
      parseCardAction({ action: { type: 'Action.Submit', verb: 'void.approve', data: { approvalId: 'apr-7f3a' } } }),
    ).toBeUndefined();
    expect(
      parseCardAction({ action: { type: 'Action.Execute', verb: 'void.approve', data: { approvalId: '../../x' } } }),
    ).toBeUndefined();
    expect(parseCardAction(undefined)).toBeUndefined();
  });
});
