// Running-job slots (agents/slots.ts) on the real Redis: a slot is held while its job holds its BullMQ lock, so a
// finished job frees its slot without a command of its own, and the leased sets stay the size of what runs.
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JobSlots } from '../../agents/slots.js';
import type { TenantLimits } from '../../bot/core/types.js';
import type { VoidModule } from '../../bot/modules.js';
import { jobData } from '../helpers/agents.js';
import { EXAMPLE_YAML, REDIS_URL, testConfig, trackApps, uniqueId } from '../helpers/app.js';

const { start } = trackApps(afterEach);
const redis = new Redis(REDIS_URL);
afterAll(() => redis.quit());

const limits = { concurrentJobs: 2, memberConcurrentJobs: 1 } as TenantLimits;

describe('JobSlots', () => {
  it("frees a slot once its job's lock is gone, with no release; a locked job keeps it", async () => {
    const prefix = uniqueId('slots');
    const locks = `${prefix}:q:`;
    const slots = new JobSlots(redis, prefix, locks, 60_000);
    const lock = (id: string) => redis.set(`${locks}${id}:lock`, 'token', 'PX', 60_000);
    await lock('j1');
    expect(await slots.acquire('acme', 'alice', 'j1', limits)).toBe('acquired');
    await lock('j2');
    expect(await slots.acquire('acme', 'alice', 'j2', limits)).toBe('member_busy');
    await redis.del(`${locks}j1:lock`); // j1 finished: BullMQ dropped its lock
    expect(await slots.acquire('acme', 'alice', 'j2', limits)).toBe('acquired');
    await lock('j3');
    expect(await slots.acquire('acme', 'bob', 'j3', limits)).toBe('acquired');
    await lock('j4');
    expect(await slots.acquire('acme', 'carol', 'j4', limits)).toBe('tenant_busy');
    // A renewal of a running job's lease is never refused, even at the limit.
    await slots.renew('acme', 'alice', 'j2');
    expect((await redis.zrange(`${prefix}:running:acme`, '0', '-1')).sort()).toEqual(['j2', 'j3']);
    await redis.del(`${locks}j2:lock`, `${locks}j3:lock`, `${locks}j4:lock`, `${prefix}:running:acme`);
    await redis.del(`${prefix}:running:acme:m:alice`, `${prefix}:running:acme:m:bob`);
  });

  it('gives slots to acquires made at once in their order, within both limits (one script call for them)', async () => {
    const prefix = uniqueId('slots');
    const locks = `${prefix}:q:`;
    const slots = new JobSlots(redis, prefix, locks, 60_000);
    const who = ['alice', 'alice', 'bob', 'carol', 'erin'];
    await Promise.all(who.map((_, i) => redis.set(`${locks}b${i}:lock`, 'token', 'PX', 60_000)));
    // All five in one turn: the first is sent at once, the four others together, run in call order.
    const verdicts = await Promise.all(who.map((member, i) => slots.acquire('acme', member, `b${i}`, limits)));
    expect(verdicts).toEqual(['acquired', 'member_busy', 'acquired', 'tenant_busy', 'tenant_busy']);
    expect((await redis.zrange(`${prefix}:running:acme`, '0', '-1')).sort()).toEqual(['b0', 'b2']);
    await redis.del(...who.map((_, i) => `${locks}b${i}:lock`), `${prefix}:running:acme`);
    await redis.del(`${prefix}:running:acme:m:alice`, `${prefix}:running:acme:m:bob`);
  });

  it('counts a retried job once, against the limits: its earlier entry neither frees nor blocks it', async () => {
    const prefix = uniqueId('slots');
    const locks = `${prefix}:q:`;
    const slots = new JobSlots(redis, prefix, locks, 60_000);
    const wide = { concurrentJobs: 10, memberConcurrentJobs: 1 } as TenantLimits;
    const lock = (id: string) => redis.set(`${locks}${id}:lock`, 'token', 'PX', 60_000);
    // Three others' running jobs are the tenant set's oldest entries: an acquire looks at those first.
    for (const id of ['bob', 'carol', 'erin']) {
      await lock(id);
      expect(await slots.acquire('acme', id, id, wide)).toBe('acquired');
    }
    await lock('x');
    expect(await slots.acquire('acme', 'alice', 'x', wide)).toBe('acquired');
    await redis.del(`${locks}x:lock`); // x failed; its retry waits for its backoff
    await lock('z');
    expect(await slots.acquire('acme', 'alice', 'z', wide)).toBe('acquired');
    await lock('x'); // x's retry starts while z runs: alice is at her limit
    expect(await slots.acquire('acme', 'alice', 'x', wide)).toBe('member_busy');
    await redis.del(`${locks}z:lock`);
    expect(await slots.acquire('acme', 'alice', 'x', wide)).toBe('acquired');
    // Its entry dropped by another's acquire while it was between attempts: its own old entry does not block it.
    await redis.del(`${locks}x:lock`);
    await redis.zrem(`${prefix}:running:acme`, 'x');
    await lock('x');
    expect(await slots.acquire('acme', 'alice', 'x', wide)).toBe('acquired');
    // A running job whose entries were dropped (its lock lapsed for a while) is counted again at its next renewal.
    await redis.zrem(`${prefix}:running:acme`, 'x');
    await redis.zrem(`${prefix}:running:acme:m:alice`, 'x');
    await slots.renew('acme', 'alice', 'x');
    expect(await redis.zscore(`${prefix}:running:acme:m:alice`, 'x')).not.toBeNull();
    expect(await redis.pttl(`${prefix}:running:acme:m:alice`)).toBeGreaterThan(50_000);
    const members = ['alice', 'bob', 'carol', 'erin'].map((m) => `${prefix}:running:acme:m:${m}`);
    await redis.del(...['bob', 'carol', 'erin', 'x'].map((id) => `${locks}${id}:lock`), `${prefix}:running:acme`);
    await redis.del(...members);
  });
});

describe('slots of jobs run by the worker', () => {
  const yaml = EXAMPLE_YAML.replace('memberConcurrentJobs: 3', 'memberConcurrentJobs: 1');
  let hold: Promise<void> = Promise.resolve();
  const module: VoidModule = {
    name: 'held-jobs',
    setup: async () => ({
      kinds: ['triage'],
      processors: () => new Map([['triage', async () => (await hold, { summary: 'done' })]]),
    }),
  };
  const job = (i: number) => jobData('triage', { name: 'triage', ticket: `PAY-${i}` });

  it("holds a person's second job until the first finishes, and keeps the sets small over many jobs", async () => {
    const t = await start({ config: testConfig({ yaml }), modules: [module] });
    const texts: string[] = [];
    let seen: () => void = () => undefined;
    t.app.chat.register('console', {
      post: async (_thread, reply) => {
        texts.push(reply.text);
        seen();
      },
    });
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        seen = () => pred() && resolve();
        seen();
      });
    let finish: () => void = () => undefined;
    hold = new Promise<void>((resolve) => (finish = resolve));
    await t.app.queue.submitJob('triage-slots-1', job(1));
    await until(() => texts.some((x) => x.startsWith('▶️')));
    await t.app.queue.submitJob('triage-slots-2', job(2));
    await until(() => texts.some((x) => x.startsWith('⏳')));
    expect(texts.filter((x) => x.startsWith('✅'))).toHaveLength(0);
    finish();
    await until(() => texts.filter((x) => x.startsWith('✅')).length === 2);
    // One after another: each finished job's slot is dropped by a later acquire (no release; the lease is minutes).
    for (let i = 3; i <= 22; i++) {
      await t.app.queue.submitJob(`triage-slots-${i}`, job(i));
      await until(() => texts.filter((x) => x.startsWith('✅')).length === i);
    }
    expect(await redis.zcard(`${t.prefix}:running:acme`)).toBeLessThanOrEqual(4);
    expect(await redis.zcard(`${t.prefix}:running:acme:m:alice`)).toBeLessThanOrEqual(4);
  }, 30_000);
});
