// The ack of a person's message to Void in Teams is one Redis round trip (the intake add); the turn runs in a worker:
// nothing the web role acked is lost when no worker is up yet. Card clicks (invokes, whose response is the answer)
// and `expectReplies` turns still run in the request. ARCHITECTURE.md "The flow of one request", issue #17.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, uniqueId, type TestApp } from '../helpers/app.js';
import { providing } from '../helpers/ports.js';
import { RecordingApprovals } from '../helpers/recording-approvals.js';
import { commandsDuring } from '../helpers/redis-monitor.js';
import {
  AAD,
  cardClick,
  type ConnectorCall,
  fixture,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  teamsTenantsYaml,
  type TeamsFakes,
} from '../helpers/teams.js';

let teams: TeamsFakes;
const apps: TestApp[] = [];
beforeAll(async () => {
  teams = await startTeamsFakes();
});
afterAll(async () => {
  await teams?.close();
});
beforeEach(() => {
  interceptLogin();
});
afterEach(async () => {
  for (const app of apps.splice(0).reverse()) await app.stop();
});

const approvals = new RecordingApprovals();
const modules = [providing('test-approvals', { approvals }), teamsModule];
const config = () => testConfig({ env: teamsEnv(teams.openId), yaml: teamsTenantsYaml() });
const start = async (options: Parameters<typeof startTestApp>[0]) => {
  const app = await startTestApp({ config: config(), modules, ...options });
  apps.push(app);
  return app;
};
const token = () => signToken({ key: teams.key, serviceUrl: teams.connector.url });
const text = (call: ConnectorCall): string => String(call.body.text ?? '');
const inConversation = (id: string) => (call: ConnectorCall) =>
  call.path.startsWith(`/v3/conversations/${encodeURIComponent(id)}/activities`);
const actions = async (app: TestApp) => (await app.app.audit.store.range('acme', 1, 1000)).map((r) => r.action);

/** `@Void <command>` in a channel thread of its own. */
function mention(command: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = fixture('channel-mention', { serviceUrl: teams.connector.url });
  return {
    ...base,
    text: `<at>Void</at> ${command}`,
    conversation: { ...(base.conversation as object), id: `19:${uniqueId('intake')}@thread.tacv2;messageid=1` },
    ...extra,
  };
}
const conversationOf = (activity: Record<string, unknown>) => (activity.conversation as { id: string }).id;

describe('Teams messages through the intake', () => {
  it('acks after one Redis command (the intake add); a worker started later runs what the web role acked', async () => {
    const shared = { prefix: uniqueId('void-test'), queueName: uniqueId('q') };
    const web = await start({ role: 'web', app: shared });
    const activity = mention('status');
    const signed = await token();
    let status: number | undefined;
    // startTestApp's own prefix is not the one the app was given here.
    const commands = await commandsDuring(shared.prefix, async () => {
      status = (await postActivity(web.url, activity, { token: signed })).status;
    });
    expect(status).toBe(200);
    // One script call: BullMQ's add (EVAL the first time on a connection, EVALSHA after).
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^eval(sha)?$/);
    // The same activity again (a Teams retry of the same bytes): acked, nothing added.
    expect((await postActivity(web.url, activity, { token: signed })).status).toBe(200);
    // Acked and durable, but nothing else happened yet: no record, no reply.
    expect((await web.app.intake.counts()).waiting).toBe(1);
    expect(await actions(web)).not.toContain('command.received');
    expect(teams.connector.calls.filter(inConversation(conversationOf(activity)))).toEqual([]);

    const worker = await start({ role: 'worker', app: { ...shared, auditStore: web.app.audit.store } });
    const reply = await teams.connector.waitFor((all) => all.filter(inConversation(conversationOf(activity)))[0]);
    expect([reply.method, reply.path]).toEqual([
      'POST',
      `/v3/conversations/${encodeURIComponent(conversationOf(activity))}/activities/${String(activity.id)}`,
    ]);
    expect(text(reply)).toMatch(/Acme Payments/);
    expect(await actions(web)).toContain('command.received');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(teams.connector.calls.filter(inConversation(conversationOf(activity)))).toHaveLength(1);
    expect(worker.app.intake.stats.handled).toBe(1);
    expect(await worker.app.intake.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
  });

  it('answers a message with no command for Void in the ack, with no Redis command and nothing queued', async () => {
    const web = await start({ role: 'web' });
    const chatter = mention('', { text: 'lunch at noon?', entities: [] });
    const signed = await token();
    const commands = await commandsDuring(web.prefix, async () => {
      expect((await postActivity(web.url, chatter, { token: signed })).status).toBe(200);
    });
    expect(commands).toEqual([]);
    expect((await web.app.intake.counts()).waiting).toBe(0);
  });

  it('runs a card click (invoke) and an expectReplies turn in the request: their answer is the body', async () => {
    const web = await start({ role: 'web' });
    approvals.requests.length = 0;
    const click = cardClick({
      serviceUrl: teams.connector.url,
      aadObjectId: AAD.carol,
      verb: 'void.approve',
      approvalId: 'ap-1',
    });
    const clicked = await postActivity(web.url, click, { token: await token() });
    expect([clicked.status, (clicked.body as { type?: string }).type]).toEqual([
      200,
      'application/vnd.microsoft.card.adaptive',
    ]);
    expect(approvals.requests.map((r) => [r.approvalId, r.actor.memberId, r.decision])).toEqual([
      ['ap-1', 'carol', 'approve'],
    ]);
    const expecting = fixture('personal-message', {
      serviceUrl: teams.connector.url,
      text: 'status',
      deliveryMode: 'expectReplies',
    });
    const answered = await postActivity(web.url, expecting, { token: await token() });
    const replies = (answered.body as { activities?: Array<{ text?: string }> }).activities ?? [];
    expect(replies.map((r) => r.text)).toEqual([expect.stringMatching(/Acme Payments/)]);
    expect(await web.app.intake.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
  });

  it('acks 503 with retry-after when the queue is down, and a retry once it is back is queued and run', async () => {
    const t = await start({});
    const activity = mention('status');
    const submit = t.app.intake.submit.bind(t.app.intake);
    t.app.intake.submit = () => Promise.reject(new Error('Connection is closed.'));
    const down = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify(activity),
    });
    const error = ((await down.json()) as { error?: string }).error;
    expect([down.status, down.headers.get('retry-after'), error]).toEqual([503, '5', 'queue.unavailable']);
    t.app.intake.submit = submit;
    expect((await postActivity(t.url, activity, { token: await token() })).status).toBe(200);
    await t.app.intake.settled();
    const calls = teams.connector.calls.filter(inConversation(conversationOf(activity)));
    expect(calls.map(text)).toEqual([expect.stringMatching(/Acme Payments/)]);
  });
});
