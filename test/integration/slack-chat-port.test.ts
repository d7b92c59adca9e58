// The Slack ChatPort as workers use it: one message per key updated in place, a final answer never overwritten by
// late progress, writes paced per channel, and 429 answers waited out (Retry-After) without losing the message.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../bot/core/types.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { SlackAuth } from '../../bot/slack/auth.js';
import { SlackChatPort } from '../../bot/slack/client.js';
import { ACME_TEAM, BOT_ID, BOT_TOKEN, BOT_USER_ID } from '../helpers/slack.js';

let t: SlackTestApp;
const thread = { platform: 'slack' as const, channel: `${ACME_TEAM}/C0DEPLOYS`, thread: '1700000100.000100' };
const progress = (text: string): Reply => ({ text, key: 'job:review-1', kind: 'progress' });

afterEach(async () => {
  await t.stop();
});

describe('in-place updates', () => {
  beforeEach(async () => {
    t = await startSlackApp();
  });

  it(
    'posts the first reply of a key and updates that message for the next ones; ' +
      'late progress never hides the result',
    async () => {
      await t.app.chat.post(thread, progress('🕐 queued'));
      await t.app.chat.post(thread, progress('▶️ started'));
      await t.app.chat.post(thread, { text: '✅ review done', key: 'job:review-1', kind: 'answer' });
      await t.app.chat.post(thread, progress('🕐 queued (late)'));
      const posts = t.fake.callsOf('chat.postMessage');
      expect(posts).toHaveLength(1);
      expect(posts[0]?.params).toMatchObject({
        channel: 'C0DEPLOYS',
        thread_ts: '1700000100.000100',
        text: '🕐 queued',
      });
      expect(t.fake.callsOf('chat.update').map((c) => c.params.text)).toEqual(['▶️ started', '✅ review done']);
    },
  );

  it('two writers racing on the first reply of a key (web role and worker) still make one message', async () => {
    await Promise.all([
      t.app.chat.post(thread, progress('🕐 queued')),
      t.app.chat.post(thread, progress('▶️ started')),
    ]);
    expect(t.fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(t.fake.callsOf('chat.update')).toHaveLength(1);
  });
});

describe('rate limits', () => {
  beforeEach(async () => {
    t = await startSlackApp({ env: { SLACK_CHANNEL_PACE_MS: '200' } });
  });

  it('spaces writes to one channel, not to others', async () => {
    const other = { ...thread, channel: `${ACME_TEAM}/C0OTHER01` };
    await Promise.all(
      [1, 2, 3]
        .map((n) => t.app.chat.post(thread, { text: `m${n}` }))
        .concat(t.app.chat.post(other, { text: 'elsewhere' })),
    );
    const times = t.fake
      .callsOf('chat.postMessage')
      .filter((c) => c.params.channel === 'C0DEPLOYS')
      .map((c) => c.at);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(190);
    const elsewhere = t.fake.callsOf('chat.postMessage').find((c) => c.params.channel === 'C0OTHER01');
    expect((elsewhere?.at ?? Infinity) - (times[0] ?? 0)).toBeLessThan(150);
  });

  it(
    'holds back a bounded backlog per channel: ' + "a burst beyond it is not queued in memory (Slack's 429s pace it)",
    async () => {
      const auth = new SlackAuth({
        apiUrl: t.fake.apiUrl,
        log: t.app.log,
        registry: t.app.registry,
        single: { botToken: BOT_TOKEN, botId: BOT_ID, botUserId: BOT_USER_ID },
      });
      const port = new SlackChatPort({
        auth,
        redis: t.app.redis,
        prefix: t.prefix,
        paceMs: 200,
        slackIdsOf: () => [],
        log: t.app.log,
        maxBacklog: 2,
      });
      const started = Date.now();
      await Promise.all(Array.from({ length: 10 }, (_, n) => port.post(thread, { text: `burst ${n}` })));
      const elapsed = Date.now() - started;
      expect(t.fake.callsOf('chat.postMessage')).toHaveLength(10);
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(10 * 200 - 400);
    },
  );

  it('waits out a 429 for Retry-After seconds, then posts the message once', async () => {
    let limited = 0;
    t.fake.script('chat.postMessage', () =>
      limited++ === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } }
        : undefined,
    );
    const started = Date.now();
    await t.app.chat.post(thread, { text: 'after the limit' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(t.fake.callsOf('chat.postMessage').map((c) => c.params.text)).toEqual(['after the limit']);
  });
});
