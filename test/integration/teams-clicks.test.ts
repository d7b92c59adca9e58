// Approve / Reject clicks (Action.Execute) against the ApprovalsPort, in isolation from the approvals module: a
// recording port stands in for the service (the whole conversation with the real module is in test/e2e).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providing } from '../helpers/ports.js';
import { RecordingApprovals } from '../helpers/recording-approvals.js';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  AAD,
  cardClick,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
  teamsTenantsYaml,
} from '../helpers/teams.js';

let teams: TeamsFakes;
let t: TestApp;
const approvals = new RecordingApprovals();

beforeAll(async () => {
  teams = await startTeamsFakes();
  const approvalsModule = providing('test-approvals', { approvals });
  t = await startTestApp({
    config: testConfig({ env: teamsEnv(teams.openId), yaml: teamsTenantsYaml() }),
    modules: [approvalsModule, teamsModule],
  });
});

afterAll(async () => {
  await t?.stop();
  await teams?.close();
});

beforeEach(() => {
  interceptLogin();
  approvals.requests.length = 0;
});

async function click(options: Omit<Parameters<typeof cardClick>[0], 'serviceUrl'>) {
  const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
  return postActivity(t.url, cardClick({ serviceUrl: teams.connector.url, ...options }), { token });
}

const MESSAGE = 'application/vnd.microsoft.activity.message';

describe('Approval card clicks', () => {
  it(
    'Approve decides as the clicker (tenant from AAD) ' + 'and returns the updated card, also updated for every viewer',
    async () => {
      const before = teams.connector.calls.length;
      const response = await click({
        aadObjectId: AAD.carol,
        verb: 'void.approve',
        approvalId: 'ap-1',
        replyToId: 'card-msg-1',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        statusCode: 200,
        type: 'application/vnd.microsoft.card.adaptive',
        value: { type: 'AdaptiveCard', version: '1.5', actions: [] },
      });
      expect(JSON.stringify(response.body)).toContain('Carol Ops ✅ approved from teams');
      expect(
        approvals.requests.map((r) => [r.tenantId, r.approvalId, r.actor.memberId, r.actor.platform, r.decision]),
      ).toEqual([['acme', 'ap-1', 'carol', 'teams', 'approve']]);
      const update = teams.connector.calls.slice(before).find((c) => c.method === 'PUT');
      expect(update?.path).toMatch(/\/activities\/card-msg-1$/);
      expect(JSON.stringify(update?.body)).toContain('Approved');
    },
  );

  it('a double click (the same invoke delivered twice) decides once and answers with the current card', async () => {
    const id = `f:${Math.random().toString(36).slice(2)}`;
    const first = await click({ aadObjectId: AAD.carol, verb: 'void.approve', approvalId: 'ap-1', id });
    const second = await click({ aadObjectId: AAD.carol, verb: 'void.approve', approvalId: 'ap-1', id });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
    expect(approvals.requests).toHaveLength(1);
  });

  it("the requester's own click is refused to them only: a message, the card untouched", async () => {
    const before = teams.connector.calls.length;
    const response = await click({ aadObjectId: AAD.alice, verb: 'void.approve', approvalId: 'ap-1' });
    expect(response.body).toEqual({
      statusCode: 200,
      type: MESSAGE,
      value: 'You asked for this, so someone else must approve it.',
    });
    expect(teams.connector.calls.length).toBe(before);
  });

  it('Reject needs a reason: without one nothing is decided; with one the reason is recorded', async () => {
    const empty = await click({ aadObjectId: AAD.carol, verb: 'void.reject', approvalId: 'ap-1', reason: '  ' });
    expect(empty.body).toMatchObject({ type: MESSAGE, value: expect.stringContaining('reason') });
    expect(approvals.requests).toHaveLength(0);
    const given = await click({
      aadObjectId: AAD.carol,
      verb: 'void.reject',
      approvalId: 'ap-1',
      reason: 'change freeze until Monday',
    });
    expect(given.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
    expect(approvals.requests.map((r) => [r.decision, r.reason])).toEqual([['reject', 'change freeze until Monday']]);
  });

  it(
    'a click from an AAD tenant that is not connected decides nothing, ' +
      'sends nothing back into Teams, and is audited as rejected',
    async () => {
      const before = teams.connector.calls.length;
      const response = await click({
        aadObjectId: AAD.carol,
        verb: 'void.approve',
        approvalId: 'ap-1',
        tenantId: '11111111-2222-4333-8444-555555555555',
      });
      expect([response.status, response.body]).toEqual([
        403,
        { error: 'identity.unknown_workspace', message: 'This workspace is not connected to Void.' },
      ]);
      expect(teams.connector.calls.length).toBe(before);
      expect(approvals.requests).toHaveLength(0);
      const records = await t.app.audit.store.query('_system', { action: 'request.rejected' }, 0, 100);
      expect(records.some((r) => r.actor.platform === 'teams' && r.actor.platformUserId === AAD.carol)).toBe(true);
    },
  );

  it('an action Void does not know gets a 4xx invoke answer, not an exception', async () => {
    const activity = cardClick({
      serviceUrl: teams.connector.url,
      aadObjectId: AAD.carol,
      verb: 'void.approve',
      approvalId: 'ap-1',
    });
    (activity.value as { action: { verb: string } }).action.verb = 'launch.missiles';
    const response = await postActivity(t.url, activity, {
      token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
    });
    expect(response.status).toBe(400);
    expect(approvals.requests).toHaveLength(0);
  });
});
