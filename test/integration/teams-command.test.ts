// A command typed to Void in a Teams channel: the reply lands in the thread, a job is queued, and the worker's
// progress arrives proactively (after the HTTP request has ended) as updates of that same message. A repeated
// activity id does nothing new. The job is a review with a small test processor (`status` needs no job: it is
// answered in the turn, teams-answers.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, testConfig, uniqueId, type TestApp } from '../helpers/app.js';
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
import { teamsModule } from '../../bot/teams/module.js';
import type { VoidModule } from '../../bot/modules.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';

let teams: TeamsFakes;
let t: TestApp;

/** `review` jobs with a processor that reports one step and finishes. */
const reviews: VoidModule = {
  name: 'test-reviews',
  async setup() {
    return {
      kinds: ['review'],
      processors: () =>
        new Map([
          [
            'review',
            async (ctx) => {
              await ctx.progress('reading the diff', 0.5);
              return { summary: 'no problems found' };
            },
          ],
        ]),
    };
  },
};

/** `@Void review acme/api#42` in a channel: a command that queues a job. */
const jobMention = (overrides: Record<string, unknown>) =>
  fixture('channel-mention', { text: '<at>Void</at> review acme/api#42\n', ...overrides });

beforeAll(async () => {
  teams = await startTeamsFakes();
  t = await startTestApp({ config: testConfig({ env: teamsEnv(teams.openId) }), modules: [teamsModule, reviews] });
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

describe('Teams commands', () => {
  it('a command in a channel gets a reply in the thread, queues a job, and shows its progress in place', async () => {
    const activity = jobMention({ serviceUrl: teams.connector.url });
    const conversationId = (activity.conversation as { id: string }).id;
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const response = await postActivity(t.url, activity, { token });
    expect(response.status).toBe(200);
    await t.app.intake.settled();

    const calls = teams.connector.calls.filter(inConversation(conversationId));
    const first = calls.find((c) => c.method === 'POST');
    expect(first, 'the reply was posted by the turn run after the ack').toBeDefined();
    // A reply to the mention: POST /v3/conversations/{thread}/activities/{activity id} keeps it in the thread.
    expect(first?.path).toBe(
      `/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(String(activity.id))}`,
    );
    const jobId = /job ([\w-]+)/.exec(text(first as ConnectorCall))?.[1];
    expect(jobId).toBeDefined();
    expect(await t.app.queue.getForTenant('acme', jobId as string)).toBeDefined();

    // Progress and the result come later, proactively, as updates (PUT) of the message posted first.
    const done = await teams.connector.waitFor((all) =>
      all.filter(inConversation(conversationId)).find((c) => c.method === 'PUT' && text(c).includes('review done')),
    );
    const messageId = /\/activities\/([^/]+)$/.exec(done.path)?.[1];
    expect(messageId).toBe(first?.responseId);
    const updates = teams.connector.calls.filter(inConversation(conversationId)).filter((c) => c.method === 'PUT');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(new Set(updates.map((c) => /\/activities\/([^/]+)$/.exec(c.path)?.[1]))).toEqual(new Set([messageId]));
    expect(updates.some((c) => text(c).includes('started'))).toBe(true);
    expect(
      teams.connector.calls.filter(inConversation(conversationId)).filter((c) => c.method === 'POST'),
    ).toHaveLength(1);
  });

  it('a repeated activity id (a Teams retry) produces nothing new', async () => {
    const activity = jobMention({
      serviceUrl: teams.connector.url,
      conversation: {
        ...(fixture('channel-mention').conversation as object),
        id: '19:retry@thread.tacv2;messageid=42',
      },
    });
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    expect((await postActivity(t.url, activity, { token })).status).toBe(200);
    await teams.connector.waitFor((all) =>
      all
        .filter(inConversation('19:retry@thread.tacv2;messageid=42'))
        .find((c) => c.method === 'PUT' && text(c).includes('review done')),
    );
    const before = teams.connector.calls.length;
    const jobsBefore = await t.app.queue.recent('acme', 100);
    expect((await postActivity(t.url, activity, { token })).status).toBe(200);
    await t.app.intake.settled();
    expect(teams.connector.calls.length).toBe(before);
    expect((await t.app.queue.recent('acme', 100)).length).toBe(jobsBefore.length);
  });

  it('in personal chat a plain command works; in a channel a message without a mention is ignored', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const personal = fixture('personal-message', { serviceUrl: teams.connector.url, text: 'help' });
    expect((await postActivity(t.url, personal, { token })).status).toBe(200);
    await t.app.intake.settled();
    const personalId = (personal.conversation as { id: string }).id;
    expect(teams.connector.calls.filter(inConversation(personalId)).some((c) => text(c).includes('review'))).toBe(true);

    const unmentioned = fixture('channel-mention', {
      serviceUrl: teams.connector.url,
      text: 'status',
      entities: [],
      conversation: {
        conversationType: 'channel',
        tenantId: '72f988bf-0000-4000-8000-00000000acme',
        id: '19:quiet@thread.tacv2',
      },
    });
    const before = teams.connector.calls.length;
    expect((await postActivity(t.url, unmentioned, { token })).status).toBe(200);
    await t.app.intake.settled();
    expect(teams.connector.calls.length).toBe(before);
  });

  it('a person Void does not know gets a polite refusal in a 1:1 chat, not in the channel', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const activity = fixture('channel-mention', {
      serviceUrl: teams.connector.url,
      from: { id: '29:stranger', name: 'Mallory', aadObjectId: '00000000-0000-4000-8000-00000000dead' },
      conversation: {
        isGroup: true,
        conversationType: 'channel',
        tenantId: '72f988bf-0000-4000-8000-00000000acme',
        id: '19:strangers@thread.tacv2;messageid=7',
      },
    });
    expect((await postActivity(t.url, activity, { token })).status).toBe(200);
    await t.app.intake.settled();
    const created = teams.connector.calls.find(
      (c) => c.method === 'POST' && c.path === '/v3/conversations' && JSON.stringify(c.body).includes('29:stranger'),
    );
    expect(created).toBeDefined();
    const refusal = teams.connector.calls.find(
      (c) => c.path.startsWith('/v3/conversations/a%3Apersonal-') && text(c).includes('does not know you'),
    );
    expect(refusal).toBeDefined();
    expect(teams.connector.calls.filter(inConversation('19:strangers@thread.tacv2;messageid=7'))).toHaveLength(0);
  });

  it(
    'a worker in another process posts the progress ' + 'into the Teams thread (conversation reference from Redis)',
    async () => {
      const shared = { prefix: uniqueId('void-test'), queueName: uniqueId('q') };
      const config = testConfig({ env: teamsEnv(teams.openId) });
      const web = await startTestApp({ config, role: 'web', modules: [teamsModule, reviews], app: shared });
      const worker = await startTestApp({ config, role: 'worker', modules: [teamsModule, reviews], app: shared });
      try {
        const conversationId = '19:split@thread.tacv2;messageid=99';
        const activity = jobMention({
          serviceUrl: teams.connector.url,
          conversation: {
            isGroup: true,
            conversationType: 'channel',
            tenantId: '72f988bf-0000-4000-8000-00000000acme',
            id: conversationId,
          },
        });
        expect(
          (
            await postActivity(web.url, activity, {
              token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
            })
          ).status,
        ).toBe(200);
        const done = await teams.connector.waitFor((all) =>
          all.filter(inConversation(conversationId)).find((c) => c.method === 'PUT' && text(c).includes('review done')),
        );
        const posted = teams.connector.calls.filter(inConversation(conversationId)).filter((c) => c.method === 'POST');
        expect(posted).toHaveLength(1);
        expect(done.path).toBe(
          `/v3/conversations/${encodeURIComponent(conversationId)}/activities/${posted[0]?.responseId}`,
        );
        expect(web.app.worker).toBeUndefined();
      } finally {
        await worker.stop();
        await web.stop();
      }
    },
  );
});

describe('Teams when the audit trail is down', () => {
  it('acks, runs nothing (retried twice, no job), then tells the person privately nothing was done', async () => {
    class FailingStore extends EmbeddedAuditStore {
      failing = false;
      override async insert(record: AuditRecord): Promise<boolean> {
        if (this.failing) throw new Error('store unreachable');
        return super.insert(record);
      }
    }
    const store = new FailingStore();
    const app = await startTestApp({
      config: testConfig({ env: teamsEnv(teams.openId) }),
      modules: [teamsModule],
      app: { auditStore: store },
    });
    try {
      store.failing = true;
      const conversationId = '19:auditdown@thread.tacv2;messageid=1';
      const activity = fixture('channel-mention', {
        serviceUrl: teams.connector.url,
        conversation: {
          isGroup: true,
          conversationType: 'channel',
          tenantId: '72f988bf-0000-4000-8000-00000000acme',
          id: conversationId,
        },
      });
      const response = await postActivity(app.url, activity, {
        token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
      });
      expect(response.status).toBe(200);
      await app.app.intake.settled();
      expect(app.app.intake.stats).toEqual({ handled: 1, retried: 2, failed: 0 });
      expect(await app.app.queue.recent('acme', 10)).toHaveLength(0);
      expect(teams.connector.calls.filter(inConversation(conversationId))).toHaveLength(0);
      const told = teams.connector.calls.filter(
        (c) =>
          c.path.startsWith('/v3/conversations/a%3Apersonal-') && text(c).includes('audit trail cannot be written'),
      );
      expect(told).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });
});

describe('Teams activities Void does not handle', () => {
  it('acknowledges unknown activity types and invokes with 2xx and does nothing', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const before = teams.connector.calls.length;
    const typing = fixture('personal-message', { serviceUrl: teams.connector.url, type: 'typing', text: undefined });
    expect((await postActivity(t.url, typing, { token })).status).toBe(200);
    const taskFetch = fixture('adaptive-card-action', {
      serviceUrl: teams.connector.url,
      name: 'task/fetch',
      value: { data: {} },
    });
    expect((await postActivity(t.url, taskFetch, { token })).status).toBe(200);
    expect(teams.connector.calls.length).toBe(before);
  });
});
