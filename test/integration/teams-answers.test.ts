// Answers that need no job (issue 17 item 2), in Teams: `status`, `help`, `whoami`, `policy explain …` and a usage
// error, sent as signed activities, are answered by the turn (run by the intake worker after the ack) with ONE
// message (the reply to the activity): no "queued as job" message, no job, nothing updated afterwards; the command is
// still recorded. A caller that asks for `deliveryMode: expectReplies` gets the answer in the HTTP response body (that
// turn runs in the request) and nothing is sent to the connector.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  type ConnectorCall,
  fixture,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';

let teams: TeamsFakes;
let t: TestApp;

beforeAll(async () => {
  teams = await startTeamsFakes();
  t = await startTestApp({ config: testConfig({ env: teamsEnv(teams.openId) }), modules: [teamsModule] });
});

afterAll(async () => {
  await t?.stop();
  await teams?.close();
});

beforeEach(() => {
  interceptLogin();
});

const text = (call: ConnectorCall): string => String(call.body.text ?? '');
const inConversation = (conversationId: string) => (call: ConnectorCall) =>
  call.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`);
const jobCount = (app: TestApp) =>
  app.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');

let n = 0;
/** `@Void <command>` in a channel thread of its own. */
function mention(command: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = fixture('channel-mention', { serviceUrl: teams.connector.url });
  return {
    ...base,
    text: `<at>Void</at> ${command}`,
    conversation: { ...(base.conversation as object), id: `19:answers-${++n}@thread.tacv2;messageid=${n}` },
    ...extra,
  };
}

const conversationOf = (activity: Record<string, unknown>) => (activity.conversation as { id: string }).id;

describe('Teams: commands that need no job are answered in the turn', () => {
  it(
    '"@Void status" in a channel: ' + 'one reply in the thread with the queue, sent by the turn after the ack; no job',
    async () => {
      const before = await jobCount(t);
      const activity = mention('status');
      const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
      expect((await postActivity(t.url, activity, { token })).status).toBe(200);
      await t.app.intake.settled();
      const calls = teams.connector.calls.filter(inConversation(conversationOf(activity)));
      expect(calls).toHaveLength(1);
      expect(calls[0]?.method).toBe('POST');
      expect(calls[0]?.path).toBe(
        `/v3/conversations/${encodeURIComponent(conversationOf(activity))}/activities/${String(activity.id)}`,
      );
      expect(text(calls[0] as ConnectorCall)).toMatch(/Acme Payments/);
      expect(text(calls[0] as ConnectorCall)).not.toMatch(/queued as job/);
      expect(await jobCount(t)).toBe(before);
      // Nothing follows later: there is no job whose progress would update the message.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(teams.connector.calls.filter(inConversation(conversationOf(activity)))).toHaveLength(1);
      const received = (await t.app.audit.store.range('acme', 1, 1000)).filter(
        (r) => r.action === 'command.received' && r.correlationId !== undefined,
      );
      expect(received.some((r) => r.details?.command === 'status')).toBe(true);
    },
  );

  it('"status" with deliveryMode expectReplies: the answer is the HTTP response body, nothing is posted', async () => {
    const before = await jobCount(t);
    const activity = fixture('personal-message', {
      serviceUrl: teams.connector.url,
      text: 'status',
      deliveryMode: 'expectReplies',
      conversation: { ...(fixture('personal-message').conversation as object), id: 'a:expect-replies-1' },
    });
    const calls = teams.connector.calls.length;
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const response = await postActivity(t.url, activity, { token });
    expect(response.status).toBe(200);
    const replies = (response.body as { activities?: Array<{ text?: string }> }).activities ?? [];
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toMatch(/Acme Payments/);
    expect(replies[0]?.text).not.toMatch(/queued as job/);
    expect(teams.connector.calls.length).toBe(calls);
    expect(await jobCount(t)).toBe(before);
  });

  it('help, whoami, a usage error and policy explain in personal chat: one message each, no job', async () => {
    const app = await startTestApp({
      config: testConfig({ env: teamsEnv(teams.openId) }),
      modules: [approvalsModule(), teamsModule],
    });
    try {
      const cases: Array<[string, RegExp]> = [
        ['help', /^Commands:/],
        ['whoami', /You are Alice Developer/],
        ['deploy', /deploy/i],
        ['policy explain deploy payments to production', /deploy/],
      ];
      for (const [command, answer] of cases) {
        const conversation = `a:answers-personal-${++n}`;
        const activity = fixture('personal-message', {
          serviceUrl: teams.connector.url,
          text: command,
          conversation: { ...(fixture('personal-message').conversation as object), id: conversation },
        });
        const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
        expect((await postActivity(app.url, activity, { token })).status).toBe(200);
        await app.app.intake.settled();
        const calls = teams.connector.calls.filter(inConversation(conversation));
        expect(calls, command).toHaveLength(1);
        expect(text(calls[0] as ConnectorCall)).toMatch(answer);
      }
      expect(await jobCount(app)).toBe(0);
    } finally {
      await app.stop();
    }
  });
});
