// The Approve click goes through the intake like a command: its ack is one Redis command (the intake add), and the
// decision and the card update run in a worker, so a web process that dies after the ack loses no decision.
// (The Reject click opens a modal whose trigger id lapses in 3 s, and forms answer with their errors: not queued.)
import { afterEach, describe, expect, it } from 'vitest';
import { VoidApp } from '../../bot/app.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { REDIS_URL } from '../helpers/app.js';
import { providing } from '../helpers/ports.js';
import { RecordingApprovals } from '../helpers/recording-approvals.js';
import { commandsDuring } from '../helpers/redis-monitor.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { ACME_TEAM, USERS, fixture, interactionForm, postSlack } from '../helpers/slack.js';

let t: SlackTestApp | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await t?.stop();
  t = undefined;
});

function click(actionId: 'void_approve' | 'void_reject', user: string): string {
  const body = fixture('block-actions.json') as Record<string, unknown>;
  return interactionForm({
    ...body,
    team: { id: ACME_TEAM, domain: 'acme' },
    user: { id: user, username: user, team_id: ACME_TEAM },
    container: { type: 'message', message_ts: '1700000100.000200', channel_id: 'C0DEPLOYS', is_ephemeral: false },
    channel: { id: 'C0DEPLOYS', name: 'deploys' },
    message: { ...(body.message as object), ts: '1700000100.000200', thread_ts: '1700000100.000100' },
    actions: [{ action_id: actionId, block_id: 'decide', type: 'button', value: 'ap-1', action_ts: '1700000200.1' }],
  });
}

describe('the Approve click through the intake', () => {
  it('is acked after one Redis command; a worker started later decides and updates the card', async () => {
    const approvals = new RecordingApprovals();
    t = await startSlackApp({ role: 'web', before: [providing('test-approvals', { approvals })] });
    const web = t;
    let status = 0;
    const commands = await commandsDuring(web.prefix, async () => {
      status = (await postSlack(web.url, { body: click('void_approve', USERS.carol) })).status;
    });
    expect(status).toBe(200);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^eval(sha)?$/);
    // Acked and durable; nothing decided yet, the card untouched.
    expect((await web.app.intake.counts()).waiting).toBe(1);
    expect(approvals.requests).toHaveLength(0);
    expect(web.fake.callsOf('chat.update')).toHaveLength(0);

    const worker = await VoidApp.create(
      web.app.config,
      { role: 'worker', redisUrl: REDIS_URL, prefix: web.prefix, queueName: web.app.queue.name },
      [providing('test-approvals', { approvals }), createSlackModule()],
    );
    cleanups.push(() => worker.stop(2_000));
    await worker.start();
    const [update] = await web.fake.waitFor('chat.update');
    expect(String(update?.params.text)).toContain('Approved');
    expect(approvals.requests.map((r) => [r.approvalId, r.actor.memberId, r.decision])).toEqual([
      ['ap-1', 'carol', 'approve'],
    ]);
  });

  it('leaves the Reject click in the web process: it must open its modal within 3 s', async () => {
    const approvals = new RecordingApprovals();
    t = await startSlackApp({ role: 'web', before: [providing('test-approvals', { approvals })] });
    const web = t;
    expect((await postSlack(web.url, { body: click('void_reject', USERS.carol) })).status).toBe(200);
    await web.fake.waitFor('views.open');
    expect((await web.app.intake.counts()).waiting).toBe(0);
  });
});
