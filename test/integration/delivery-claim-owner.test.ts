// A queued request (intake item) whose worker died mid-way runs again on another worker: its own in-flight delivery
// claim must not make it a "duplicate" (the acknowledged request would be lost), while every other claim still does.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../bot/redis.js';
import { CommandRateLimiter } from '../../bot/limits.js';
import type { Actor, TenantLimits } from '../../bot/core/types.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { RedisProcess } from '../helpers/redis-server.js';

const redis = createRedis(REDIS_URL);
afterAll(() => redis.disconnect());

const actor = { tenantId: 'acme', memberId: 'alice', name: 'Alice', roles: ['developer'] } as unknown as Actor;
const limits: TenantLimits = {
  commandsPerMinute: 100,
  memberCommandsPerMinute: 100,
  concurrentJobs: 5,
  memberConcurrentJobs: 2,
};

describe('the delivery claim of a queued request', () => {
  it('is taken over by a second run of the same item, and refuses any other claimant', async () => {
    const prefix = uniqueId('claim');
    const rate = new CommandRateLimiter(redis, prefix);
    const key = `${prefix}:delivery:slack:Ev1`;
    const take = (owner?: string) => rate.claimAndTake(key, 60, actor, 'Acme', limits, owner);
    expect(await take('intake-1')).toMatchObject({ ok: true, resumed: false });
    // The worker died; the same item runs again (same intake job id): it goes on, told it resumes a first run.
    expect(await take('intake-1')).toMatchObject({ ok: true, resumed: true });
    // Another item carrying the same delivery (a platform retry queued anew), or an unqueued caller: duplicates.
    expect(await take('intake-2')).toBe('duplicate');
    expect(await take()).toBe('duplicate');
    // Once done, nobody claims it again.
    await redis.set(key, 'done', 'EX', 60);
    expect(await take('intake-1')).toBe('duplicate');
    await redis.del(key);
  });

  it('without an owner, is claimed once', async () => {
    const prefix = uniqueId('claim');
    const rate = new CommandRateLimiter(redis, prefix);
    const key = `${prefix}:delivery:github:d1`;
    expect(await rate.claimAndTake(key, 60, actor, 'Acme', limits)).not.toBe('duplicate');
    expect(await rate.claimAndTake(key, 60, actor, 'Acme', limits)).toBe('duplicate');
    await redis.del(key);
  });

  it('claims once among claims made at once, and counts the limits in the order the claims were made', async () => {
    const prefix = uniqueId('claim');
    const rate = new CommandRateLimiter(redis, prefix);
    const tight = { ...limits, memberCommandsPerMinute: 2 };
    // One turn: the first claim is sent at once, the others together in one script call (runScriptBatched).
    const same = await Promise.all(
      Array.from({ length: 5 }, () => rate.claimAndTake(`${prefix}:delivery:slack:same`, 60, actor, 'Acme', tight)),
    );
    expect(same.map((v) => (v === 'duplicate' ? v : v.ok))).toEqual([
      true,
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const distinct = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        rate.claimAndTake(`${prefix}:delivery:slack:d${i}`, 60, actor, 'Acme', tight),
      ),
    );
    // alice's first command (above) and the next are within her 2 per minute; the two after it are refused.
    expect(distinct.map((v) => v !== 'duplicate' && v.ok)).toEqual([true, false, false]);
    expect(distinct[1]).toMatchObject({ ok: false, refusal: { code: 'limit.member_rate' } });
  });

  it('sends the script by its digest, and its text only when Redis lacks it (a new or flushed Redis)', async () => {
    // A private server: its script cache and command counts are this test's alone.
    const server = await RedisProcess.start(false);
    const own = createRedis(server.url);
    try {
      const rate = new CommandRateLimiter(own, uniqueId('claim'));
      const calls = async (name: string) =>
        Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(await own.info('commandstats'))?.[1] ?? 0);
      for (let i = 0; i < 5; i++)
        expect(await rate.claimAndTake(`d:${i}`, 60, actor, 'Acme', limits)).toMatchObject({ ok: true });
      await own.script('FLUSH');
      expect(await rate.claimAndTake('d:after-flush', 60, actor, 'Acme', limits)).toMatchObject({ ok: true });
      expect(await rate.claimAndTake('d:after-flush', 60, actor, 'Acme', limits)).toBe('duplicate');
      // The text went twice (first use, after the flush); every other claim was an EVALSHA of 40 bytes.
      expect(await calls('eval')).toBe(2);
      expect(await calls('evalsha')).toBe(7);
    } finally {
      own.disconnect();
      await server.kill();
    }
  });
});
