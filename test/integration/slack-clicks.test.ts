// Approve / Reject buttons and the reason modal against the ApprovalsPort, in isolation from the approvals module:
// a recording port stands in for the service (the full conversation with the real module is in test/e2e).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { providing } from '../helpers/ports.js';
import { RecordingApprovals } from '../helpers/recording-approvals.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { ACME_TEAM, USERS, fixture, interactionForm, postSlack } from '../helpers/slack.js';

let t: SlackTestApp;
let approvals: RecordingApprovals;

beforeEach(async () => {
  approvals = new RecordingApprovals();
  t = await startSlackApp({ before: [providing('test-approvals', { approvals })] });
});

afterEach(async () => {
  await t.stop();
});

function click(actionId: 'void_approve' | 'void_reject', user: string, actionTs = '1700000200.000001'): string {
  const body = fixture('block-actions.json') as Record<string, unknown>;
  return interactionForm({
    ...body,
    team: { id: ACME_TEAM, domain: 'acme' },
    user: { id: user, username: user, team_id: ACME_TEAM },
    container: { type: 'message', message_ts: '1700000100.000200', channel_id: 'C0DEPLOYS', is_ephemeral: false },
    channel: { id: 'C0DEPLOYS', name: 'deploys' },
    message: { ...(body.message as object), ts: '1700000100.000200', thread_ts: '1700000100.000100' },
    actions: [{ action_id: actionId, block_id: 'decide', type: 'button', value: 'ap-1', action_ts: actionTs }],
  });
}

describe('Approve button', () => {
  it('decides as the clicker, updates the card in place, and confirms privately', async () => {
    const response = await postSlack(t.url, { body: click('void_approve', USERS.carol) });
    expect(response.status).toBe(200);
    const [update] = await t.fake.waitFor('chat.update');
    expect(update?.params).toMatchObject({ channel: 'C0DEPLOYS', ts: '1700000100.000200' });
    expect(String(update?.params.text)).toContain('Approved');
    expect(JSON.stringify(update?.params.blocks)).not.toContain('void_approve');
    expect(approvals.requests.map((r) => [r.approvalId, r.actor.memberId, r.decision, r.tenantId])).toEqual([
      ['ap-1', 'carol', 'approve', 'acme'],
    ]);
    const [confirmation] = await t.fake.waitFor('chat.postEphemeral');
    expect(confirmation?.params).toMatchObject({ user: USERS.carol, thread_ts: '1700000100.000100' });
  });

  it('a double click decides once and posts nothing new', async () => {
    await postSlack(t.url, { body: click('void_approve', USERS.carol, '1.1') });
    await t.fake.waitFor('chat.postEphemeral');
    const calls = t.fake.calls.length;
    const second = await postSlack(t.url, { body: click('void_approve', USERS.carol, '1.2') });
    expect(second.status).toBe(200);
    await t.settled();
    expect(approvals.requests).toHaveLength(1);
    expect(t.fake.calls.length).toBe(calls);
  });

  it('a refusal (self-approval) goes to the clicker only; the card is not touched', async () => {
    await postSlack(t.url, { body: click('void_approve', USERS.alice) });
    const [ephemeral] = await t.fake.waitFor('chat.postEphemeral');
    expect(ephemeral?.params.user).toBe(USERS.alice);
    expect(String(ephemeral?.params.text)).toContain('someone else must approve');
    expect(t.fake.callsOf('chat.update')).toHaveLength(0);
    expect(t.fake.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('a click by someone Void does not know: 403, nothing decided, a private refusal', async () => {
    const response = await postSlack(t.url, { body: click('void_approve', 'U0STRANGER') });
    expect(response.status).toBe(403);
    await t.fake.waitFor('chat.postEphemeral', (c) => c.params.user === 'U0STRANGER');
    expect(approvals.requests).toHaveLength(0);
  });
});

describe('Reject button and reason modal', () => {
  it('opens a modal, then rejects with the typed reason and updates the card', async () => {
    expect((await postSlack(t.url, { body: click('void_reject', USERS.carol) })).status).toBe(200);
    const [open] = await t.fake.waitFor('views.open');
    const view = open?.params.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('void_reject_reason');
    const submission = fixture('view-submission.json') as Record<string, unknown>;
    const body = interactionForm({
      ...submission,
      team: { id: ACME_TEAM, domain: 'acme' },
      user: { id: USERS.carol, username: 'carol', team_id: ACME_TEAM },
      view: {
        ...(submission.view as object),
        callback_id: 'void_reject_reason',
        private_metadata: view.private_metadata,
        state: { values: { reason: { reason: { type: 'plain_text_input', value: 'change freeze until Monday' } } } },
      },
    });
    const response = await postSlack(t.url, { body });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    const [update] = await t.fake.waitFor('chat.update');
    expect(update?.params).toMatchObject({ channel: 'C0DEPLOYS', ts: '1700000100.000200' });
    expect(approvals.requests.map((r) => [r.decision, r.reason, r.actor.memberId])).toEqual([
      ['reject', 'change freeze until Monday', 'carol'],
    ]);
    await postSlack(t.url, { body });
    await t.settled();
    expect(approvals.requests).toHaveLength(1);
  });
});

describe('App Home', () => {
  it("publishes the viewer's pending approvals and recent jobs", async () => {
    const body = fixture('app-home-opened.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    body.team_id = ACME_TEAM;
    body.event = { ...body.event, user: USERS.carol };
    expect((await postSlack(t.url, { body: JSON.stringify(body), contentType: 'application/json' })).status).toBe(200);
    const [publish] = await t.fake.waitFor('views.publish');
    expect(publish?.params.user_id).toBe(USERS.carol);
    const text = JSON.stringify(publish?.params.view);
    expect(text).toContain('Carol Ops');
    expect(text).toContain('deploy payments to production');
  });

  it('tells someone Void does not know whom to ask, on their Home tab', async () => {
    const body = fixture('app-home-opened.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    body.team_id = ACME_TEAM;
    body.event = { ...body.event, user: 'U0STRANGER' };
    expect((await postSlack(t.url, { body: JSON.stringify(body), contentType: 'application/json' })).status).toBe(200);
    const [publish] = await t.fake.waitFor('views.publish');
    expect(publish?.params.user_id).toBe('U0STRANGER');
    expect(JSON.stringify(publish?.params.view)).toContain('ask Erin Admin');
    expect(JSON.stringify(publish?.params.view)).not.toContain('deploy payments');
  });
});
