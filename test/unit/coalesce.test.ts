// Job progress coalescing (bot/core/coalesce.ts): at most one write per key per window, identical updates skipped,
// the final state written at once and never overtaken by an older progress line.
import { describe, expect, it } from 'vitest';
import { CoalescingChat } from '../../bot/core/coalesce.js';
import type { ChatPort } from '../../bot/core/ports.js';
import type { Reply, ThreadRef } from '../../bot/core/types.js';

const thread: ThreadRef = { platform: 'console', channel: 'c' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(delayMs = 0): ChatPort & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    async post(_t: ThreadRef, reply: Reply) {
      if (delayMs) await sleep(delayMs);
      writes.push(reply.text);
    },
  };
}

const progress = (text: string, key = 'job:1'): Reply => ({ text, key, kind: 'progress' });

describe('coalescing job progress', () => {
  it('writes the first update at once and only the newest of a burst when the window ends', async () => {
    const inner = recorder();
    const chat = new CoalescingChat(inner, { windowMs: 150 });
    for (let i = 1; i <= 20; i++) await chat.post(thread, progress(`step ${i}`));
    expect(inner.writes).toEqual(['step 1']);
    await sleep(250);
    expect(inner.writes).toEqual(['step 1', 'step 20']);
  });

  it('skips an update identical to what is shown or waiting', async () => {
    const inner = recorder();
    const chat = new CoalescingChat(inner, { windowMs: 50 });
    await chat.post(thread, progress('reading'));
    await sleep(80);
    await chat.post(thread, progress('reading'));
    await sleep(80);
    expect(inner.writes).toEqual(['reading']);
  });

  it(
    'writes the final answer at once, drops the progress still waiting, ' + 'and writes nothing older after it',
    async () => {
      const inner = recorder(30);
      const chat = new CoalescingChat(inner, { windowMs: 100 });
      const first = chat.post(thread, progress('started'));
      await chat.post(thread, progress('50%'));
      await chat.post(thread, { text: 'done', key: 'job:1', kind: 'answer' });
      await first;
      await sleep(200);
      expect(inner.writes).toEqual(['started', 'done']);
    },
  );

  it('keeps keys apart, passes unkeyed replies straight through, and flushes what waits on shutdown', async () => {
    const inner = recorder();
    const chat = new CoalescingChat(inner, { windowMs: 10_000 });
    await chat.post(thread, progress('a1', 'job:a'));
    await chat.post(thread, progress('b1', 'job:b'));
    await chat.post(thread, progress('a2', 'job:a'));
    await chat.post(thread, { text: 'hello' });
    expect(inner.writes).toEqual(['a1', 'b1', 'hello']);
    await chat.flushAll();
    expect(inner.writes).toEqual(['a1', 'b1', 'hello', 'a2']);
  });

  it('forgets a key a while after its last write, whether or not a final answer came', async () => {
    const chat = new CoalescingChat(recorder(), { windowMs: 20, forgetAfterMs: 50 });
    await chat.post(thread, progress('started', 'job:a'));
    await chat.post(thread, { text: 'done', key: 'job:b', kind: 'answer' });
    expect(chat.size).toBe(2);
    await sleep(150);
    expect(chat.size).toBe(0);
  });

  it('with a window of 0 writes every distinct update', async () => {
    const inner = recorder();
    const chat = new CoalescingChat(inner, { windowMs: 0 });
    for (const text of ['1', '2', '2', '3']) await chat.post(thread, progress(text));
    await sleep(10);
    expect(inner.writes).toEqual(['1', '2', '3']);
  });
});
