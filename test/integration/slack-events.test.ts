// The Slack endpoint end to end on the real HTTP server: signed requests in, the fake Slack Web API out, real Redis
// and BullMQ in between. The set-up is in helpers/slack-events.ts; the refusals are in slack-events-refused.test.ts.
import { describe, expect, it } from 'vitest';
import { ACME_TEAM, BOT_TOKEN, USERS, fixture, postSlack, slashForm } from '../helpers/slack.js';
import { mention, useSlackApp } from '../helpers/slack-events.js';

const s = useSlackApp();

describe('slash command', () => {
  it(
    'acks a signed `/void review acme/api#42` before Slack answers, ' +
      'then opens a thread, queues the job and updates one message to done',
    async () => {
      s.t.fake.script('chat.postMessage', (p) => (p.thread_ts === undefined ? { delayMs: 1500 } : undefined));
      const response = await postSlack(s.t.url, { body: slashForm({ text: 'review acme/api#42' }) });
      expect(response.status).toBe(200);
      expect(response.ms).toBeLessThan(1000);

      const [parent] = await s.t.fake.waitFor('chat.postMessage', (c) => c.params.thread_ts === undefined);
      expect(parent?.params.text).toContain(`<@${USERS.alice}> asked Void`);
      expect(parent?.token).toBe(BOT_TOKEN);
      const [done] = await s.t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
      const inThread = s.t.fake.callsOf('chat.postMessage').filter((c) => c.params.thread_ts !== undefined);
      expect(inThread).toHaveLength(1);
      expect(inThread[0]?.params.channel).toBe('C0DEPLOYS');
      expect(inThread[0]?.params.thread_ts).toMatch(/^1700000000\.\d{6}$/);
      expect(done?.params.text).toContain('https://github.com/acme/api/pull/42');
      // every update edits the one job message in the thread, ending with "done"; progress faster than once a second
      // is coalesced (VOID_PROGRESS_INTERVAL_MS), so the quick review's steps cost no extra writes
      const updates = s.t.fake.callsOf('chat.update');
      expect(updates.every((c) => c.params.channel === 'C0DEPLOYS')).toBe(true);
      expect(new Set(updates.map((c) => c.params.ts)).size).toBe(1);
      expect(String(updates.at(-1)?.params.text)).toContain('review done');
      expect(updates.length).toBeLessThanOrEqual(3);
      const jobs = await s.t.app.queue.queue.getJobs(['completed', 'active', 'waiting']);
      expect(jobs.map((j) => j.data.command)).toEqual([
        { name: 'review', repo: { owner: 'acme', name: 'api' }, number: 42 },
      ]);
      expect(jobs[0]?.data.thread).toEqual({
        platform: 'slack',
        channel: `${ACME_TEAM}/C0DEPLOYS`,
        thread: inThread[0]?.params.thread_ts,
      });
    },
  );

  it('verifies a body with "+", "%20" and emoji over its raw bytes', async () => {
    const body = slashForm({ text: 'help review' }).replace('text=help+review', 'text=help%20review+%F0%9F%9A%80');
    expect(body).toContain('%F0%9F%9A%80');
    const response = await postSlack(s.t.url, { body });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).text).toContain('Usage');
  });

  it(
    'answers a command that is not a job in the ack itself, ' + 'privately; the worker records it and posts nothing',
    async () => {
      const response = await postSlack(s.t.url, { body: slashForm({ text: 'whoami' }) });
      expect(response.status).toBe(200);
      const answer = JSON.parse(response.text) as { response_type: string; text: string };
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('Alice Developer');
      await s.t.settled();
      const records = (await s.t.app.audit.store.range('acme', 0, 100)).filter((r) => r.action === 'command.received');
      expect(records.map((r) => r.details)).toEqual([{ command: 'whoami' }]);
      expect(s.t.fake.callsOf('chat.postEphemeral')).toHaveLength(0);
      expect(s.t.fake.callsOf('chat.postMessage')).toHaveLength(0);
    },
  );

  it('answers `status` in the ack with what the queue holds, and queues no job for it', async () => {
    const response = await postSlack(s.t.url, { body: slashForm({ text: 'status' }) });
    expect(JSON.parse(response.text).text).toContain('no jobs in Acme');
    await s.t.settled();
    expect(await s.jobCount()).toBe(0);
    expect(s.t.fake.callsOf('chat.postMessage')).toHaveLength(0);
  });
});

describe('slash command in a channel Void is not in', () => {
  it('answers privately through the response URL, and queues nothing', async () => {
    s.t.fake.script('chat.postMessage', () => ({ body: { ok: false, error: 'not_in_channel' } }));
    const form = new URLSearchParams(slashForm({ text: 'review acme/api#42' }));
    form.set('response_url', `${s.t.fake.url}/hooks/commands/T0ACME001/1`);
    expect((await postSlack(s.t.url, { body: form.toString() })).status).toBe(200);
    const [hook] = await s.t.fake.waitFor('/hooks/commands/T0ACME001/1');
    expect(hook?.params).toMatchObject({ response_type: 'ephemeral' });
    expect(String(hook?.params.text)).toContain('/invite @Void');
    await s.t.settled();
    expect(await s.jobCount()).toBe(0);
  });
});

describe('mentions and direct messages', () => {
  it('answers an @mention in the thread of the message', async () => {
    const response = await postSlack(s.t.url, { body: mention('review acme/api#7'), contentType: 'application/json' });
    expect(response.status).toBe(200);
    const [queued] = await s.t.fake.waitFor('chat.postMessage');
    expect(queued?.params.thread_ts).toBe('1700000100.000100');
    expect(String(queued?.params.text)).toContain('queued as job');
  });

  it('takes a command in a direct message and replies in its thread', async () => {
    const body = fixture('message-im.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    body.team_id = ACME_TEAM;
    body.event = { ...body.event, user: USERS.bob, text: 'whoami' };
    const response = await postSlack(s.t.url, { body: JSON.stringify(body), contentType: 'application/json' });
    expect(response.status).toBe(200);
    const [answer] = await s.t.fake.waitFor('chat.postMessage');
    expect(answer?.params).toMatchObject({ channel: 'D024BE91L', thread_ts: '1355517523.000005' });
    expect(String(answer?.params.text)).toContain('Bob Lead');
  });

  it('ignores messages from bots (its own included): 200, nothing posted, nothing queued', async () => {
    const body = fixture('message-im.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    body.team_id = ACME_TEAM;
    body.event = { ...body.event, bot_id: 'B0VOID0001', user: 'U0VOID0001', text: 'review acme/api#1' };
    const response = await postSlack(s.t.url, { body: JSON.stringify(body), contentType: 'application/json' });
    expect(response.status).toBe(200);
    await s.t.settled();
    expect(await s.jobCount()).toBe(0);
    expect(s.t.fake.calls).toHaveLength(0);
  });

  it('answers the url_verification challenge', async () => {
    const response = await postSlack(s.t.url, {
      body: JSON.stringify({ type: 'url_verification', token: 'x', challenge: 'c-123' }),
      contentType: 'application/json',
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ challenge: 'c-123' });
  });
});

describe('retries and duplicates', () => {
  it('a retried event (X-Slack-Retry-Num) produces no second job or message', async () => {
    const body = mention('review acme/api#9', { eventId: 'Ev0RETRY01' });
    expect((await postSlack(s.t.url, { body, contentType: 'application/json' })).status).toBe(200);
    await s.t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
    const calls = s.t.fake.calls.length;
    const retry = await postSlack(s.t.url, {
      body,
      contentType: 'application/json',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    expect(await s.jobCount()).toBe(1);
    const again = await postSlack(s.t.url, {
      body,
      contentType: 'application/json',
      headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(again.status).toBe(200);
    await s.t.settled();
    expect(await s.jobCount()).toBe(1);
    expect(s.t.fake.calls.length).toBe(calls);
  });
});

describe('concurrent duplicates', () => {
  it('a retry that arrives while the first delivery is still being handled makes one job and one message', async () => {
    const body = mention('review acme/api#11', { eventId: 'Ev0RACE001' });
    const headers = { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };
    const [a, b] = await Promise.all([
      postSlack(s.t.url, { body, contentType: 'application/json' }),
      postSlack(s.t.url, { body, contentType: 'application/json', headers }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await s.t.settled();
    await s.t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
    expect(await s.jobCount()).toBe(1);
    expect(s.t.fake.callsOf('chat.postMessage')).toHaveLength(1);
  });
});
