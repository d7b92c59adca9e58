// A whole approval conversation in Slack with the REAL approvals module: Alice asks for a production deploy, her own
// Approve click is refused privately, Bob (tech lead) and Carol (devops) approve, the job runs, and the card and the
// job message in the thread are updated in place at each step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { ACME_TEAM, USERS, fixture, interactionForm, postSlack, slashForm, type SlackCall } from '../helpers/slack.js';

let t: SlackTestApp;

beforeEach(async () => {
  t = await startSlackApp({ before: [approvalsModule()] });
});

afterEach(async () => {
  await t.stop();
});

const CHANNEL = 'C0DEPLOYS';

function approveClick(user: string, approvalId: string, card: { ts: string; threadTs: string }): string {
  const body = fixture('block-actions.json') as Record<string, unknown>;
  return interactionForm({
    ...body,
    team: { id: ACME_TEAM, domain: 'acme' },
    user: { id: user, username: user, team_id: ACME_TEAM },
    container: { type: 'message', message_ts: card.ts, channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'deploys' },
    message: { type: 'message', bot_id: 'B0VOID0001', text: 'approval', ts: card.ts, thread_ts: card.threadTs },
    actions: [
      {
        action_id: 'void_approve',
        block_id: 'decide',
        type: 'button',
        value: approvalId,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

const textOf = (call: SlackCall | undefined) =>
  `${String(call?.params.text)} ${JSON.stringify(call?.params.blocks ?? [])}`;

describe('Slack approval conversation (real approvals module)', () => {
  it(
    'request → self-approval refused privately → two approvals → job runs; ' +
      'the card and job message update in place',
    async () => {
      // 1. Alice asks. The ack is immediate; the thread gets the parent message and the approval card.
      const ask = await postSlack(t.url, {
        body: slashForm({ text: 'deploy payments to production', user: USERS.alice, channel: CHANNEL }),
      });
      expect(ask.status).toBe(200);
      const [parent] = await t.fake.waitFor('chat.postMessage', (c) => c.params.thread_ts === undefined);
      const threadTs = String(parent?.response.ts);
      const [cardPost] = await t.fake.waitFor('chat.postMessage', (c) =>
        JSON.stringify(c.params.blocks ?? '').includes('void_approve'),
      );
      expect(cardPost?.params.thread_ts).toBe(threadTs);
      const cardTs = String(cardPost?.response.ts);
      const cardText = textOf(cardPost);
      expect(cardText).toContain('deploy payments to production');
      expect(cardText).toContain('Alice Developer');
      expect(cardText).toContain('production-deploys');
      for (const approver of [USERS.bob, USERS.carol, USERS.erin]) expect(cardText).toContain(`<@${approver}>`);
      expect(cardText).not.toContain(`<@${USERS.alice}>`);
      const approvalId = String(
        (cardPost?.params.blocks as Array<{ block_id?: string; elements?: Array<{ value?: string }> }>).find(
          (b) => b.block_id === 'decide',
        )?.elements?.[0]?.value,
      );
      expect(approvalId).toBeTruthy();
      expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });

      // 2. Alice clicks Approve on her own request: refused, to her only; the card is not changed.
      const updatesBefore = t.fake.callsOf('chat.update').length;
      await postSlack(t.url, { body: approveClick(USERS.alice, approvalId, { ts: cardTs, threadTs }) });
      await t.settled();
      const [refusal] = await t.fake.waitFor('chat.postEphemeral', (c) => c.params.user === USERS.alice);
      expect(refusal?.params.thread_ts).toBe(threadTs);
      expect(String(refusal?.params.text)).toContain('you cannot approve it');
      expect(t.fake.callsOf('chat.update')).toHaveLength(updatesBefore);

      // 3. Bob (tech lead) approves: the card shows his decision and what remains; nothing runs yet.
      await postSlack(t.url, { body: approveClick(USERS.bob, approvalId, { ts: cardTs, threadTs }) });
      await t.settled();
      await new Promise((r) => setTimeout(r, 300));
      const afterBob = t.fake.callsOf('chat.update').filter((c) => c.params.ts === cardTs);
      // One card update per decision (the click's handler leaves the request's own card to the approvals module).
      expect(afterBob).toHaveLength(1);
      const bobCard = textOf(afterBob[afterBob.length - 1]);
      expect(bobCard).toContain('Bob Lead');
      expect(bobCard).toContain('devops');
      expect(bobCard).toContain('void_approve');
      expect((await t.app.queue.queue.getJobs(['waiting', 'active', 'completed'])).length).toBe(0);

      // Bob double-clicks: nothing new (no decision, no message, no audit record).
      const before = { calls: t.fake.calls.length, audit: (await t.app.audit.store.range('acme', 1, 500)).length };
      await postSlack(t.url, { body: approveClick(USERS.bob, approvalId, { ts: cardTs, threadTs }) });
      await t.settled();
      expect({ calls: t.fake.calls.length, audit: (await t.app.audit.store.range('acme', 1, 500)).length }).toEqual(
        before,
      );

      // 4. Carol (devops) approves: the card says approved, without buttons; the job runs and reports in the thread.
      await postSlack(t.url, { body: approveClick(USERS.carol, approvalId, { ts: cardTs, threadTs }) });
      await t.settled();
      await new Promise((r) => setTimeout(r, 300));
      const afterCarol = t.fake.callsOf('chat.update').filter((c) => c.params.ts === cardTs);
      expect(afterCarol).toHaveLength(2);
      const finalCard = textOf(afterCarol[afterCarol.length - 1]);
      expect(finalCard).toContain('Approved');
      expect(finalCard).toContain('Carol Ops');
      expect(finalCard).not.toContain('void_approve');
      const [done] = await t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('deploy done'));
      const jobPosts = t.fake
        .callsOf('chat.postMessage')
        .filter((c) => c.params.thread_ts === threadTs && String(c.params.text).includes('deploy'));
      expect(jobPosts.map((c) => c.response.ts)).toContain(done?.params.ts);
      expect(t.fake.callsOf('chat.postMessage').filter((c) => c.params.thread_ts === undefined)).toHaveLength(1);

      // The audit trail tells the same story.
      const actions = (await t.app.audit.store.range('acme', 1, 200)).map((r) => r.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'approval.requested',
          'approval.denied',
          'approval.decided',
          'job.queued',
          'job.started',
          'job.completed',
        ]),
      );
      expect(actions.filter((a) => a === 'approval.decided').length).toBeGreaterThanOrEqual(2);
      const jobs = await t.app.queue.queue.getJobs(['completed', 'active', 'waiting', 'delayed']);
      expect(jobs.map((j) => [j.data.kind, j.data.approvalId])).toEqual([['deploy', approvalId]]);
    },
  );

  it('`/void status <approval id>` answers privately, without buttons, and posts no second public card', async () => {
    await postSlack(t.url, {
      body: slashForm({ text: 'deploy payments to production', user: USERS.alice, channel: CHANNEL }),
    });
    const [cardPost] = await t.fake.waitFor('chat.postMessage', (c) =>
      JSON.stringify(c.params.blocks ?? '').includes('void_approve'),
    );
    const approvalId = String(
      (cardPost?.params.blocks as Array<{ block_id?: string; elements?: Array<{ value?: string }> }>).find(
        (b) => b.block_id === 'decide',
      )?.elements?.[0]?.value,
    );
    await t.settled();
    const posts = t.fake.callsOf('chat.postMessage').length;

    expect(
      (await postSlack(t.url, { body: slashForm({ text: `status ${approvalId}`, user: USERS.bob, channel: CHANNEL }) }))
        .status,
    ).toBe(200);
    await t.settled();
    const [shown] = await t.fake.waitFor(
      'chat.postEphemeral',
      (c) => c.params.user === USERS.bob && JSON.stringify(c.params).includes(approvalId),
    );
    // Only Bob sees it; no thread is opened for it and no copy of the card with live buttons goes to the channel.
    expect(t.fake.callsOf('chat.postMessage')).toHaveLength(posts);
    expect(textOf(shown)).toContain('deploy payments to production');
    expect(textOf(shown)).toContain('Approval needed');
    expect(JSON.stringify(shown?.params.blocks)).not.toContain('void_approve');
    expect(textOf(shown)).toContain(
      `Only you can see this copy. Decide on the request's card in its thread, or say \`/void approve ${approvalId}\``,
    );
  });
});
