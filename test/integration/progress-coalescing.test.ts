// What a thread receives while a job reports progress many times a second: through a real worker and BullMQ, the
// job's message is written at most once per VOID_PROGRESS_INTERVAL_MS (default 1 s), and the final state at once.
// With the interval at 0 every step is a write: the difference is the platform writes saved (Slack paces writes to
// about one a second per channel, so 30 writes would delay the final answer by half a minute).
import { afterEach, describe, expect, it } from 'vitest';
import type { VoidModule } from '../../bot/modules.js';
import { testConfig, trackApps } from '../helpers/app.js';
import { consoleUser, recordThreads, say } from '../helpers/approvals.js';

const { start } = trackApps(afterEach);

/** How long the last run's 30 steps took (a loaded machine stretches them over more windows). */
let elapsedMs = 0;

/** A triage agent that reports 30 steps, 10 ms apart, then finishes. */
const chatty: VoidModule = {
  name: 'chatty-triage',
  setup: async () => ({
    kinds: ['triage'],
    processors: () =>
      new Map([
        [
          'triage',
          async (ctx) => {
            const started = Date.now();
            for (let i = 1; i <= 30; i++) {
              await ctx.progress(`step ${i} of 30`, i / 30);
              await new Promise((r) => setTimeout(r, 10));
            }
            elapsedMs = Date.now() - started;
            return { summary: 'triaged' };
          },
        ],
      ]),
  }),
};

async function writesFor(interval?: string): Promise<string[]> {
  const t = await start({
    config: testConfig(interval === undefined ? {} : { env: { VOID_PROGRESS_INTERVAL_MS: interval } }),
    modules: [chatty],
  });
  const chat = recordThreads(t.app);
  await say(t.app, consoleUser('alice'), 'triage PAY-1');
  const done = await chat.waitFor((p) => p.reply.text.startsWith('✅'), 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  return chat.posts.filter((p) => p.reply.key === done.reply.key).map((p) => p.reply.text);
}

describe('job progress in the thread', () => {
  it(
    'is coalesced by default: a job reporting 30 steps in a third of a ' +
      'second writes its message a few times, not 32, ending with the result',
    async () => {
      const writes = await writesFor();
      // started, at most one progress line per second the steps took, and the result.
      expect(writes.length).toBeLessThanOrEqual(2 + Math.ceil(elapsedMs / 1000));
      expect(writes.length).toBeLessThan(10);
      expect(writes[0]).toMatch(/^▶️ triage started/);
      expect(writes.at(-1)).toBe('✅ triage done: triaged');
      expect(writes.filter((w) => w.startsWith('✅'))).toHaveLength(1);
    },
  );

  it('with VOID_PROGRESS_INTERVAL_MS=0 every step is written', async () => {
    const writes = await writesFor('0');
    expect(writes.filter((w) => w.startsWith('🔄'))).toHaveLength(30);
    expect(writes.at(-1)).toBe('✅ triage done: triaged');
  });
});
