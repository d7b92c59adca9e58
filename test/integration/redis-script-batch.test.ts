// runScriptBatched (bot/core/redis-script.ts), on real Redis: the first call of a turn is sent at once, the calls that
// follow it in the same turn go together as one script call. Each call still gets its own result (in the order the
// calls were made, as if sent one after another), its own error, a nil as null; a script Redis does not know yet is
// sent again by its text without reordering the calls.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisScript, runScriptBatched, type RedisScript } from '../../bot/core/redis-script.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';

/** A script Redis has never seen (a fresh comment per call of this function): its first calls meet NOSCRIPT. */
const counter = (): RedisScript =>
  redisScript(`-- ${randomUUID()}
if ARGV[1] == 'fail' then return redis.error_reply('refused ' .. KEYS[1]) end
if ARGV[1] == 'nil' then return nil end
if ARGV[1] == 'wrongtype' then return redis.call('LPUSH', KEYS[1], 'x') end
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
return {KEYS[1], n}
`);

describe('script calls batched per turn', () => {
  let redis: Redis;
  /** The script commands this connection sent (EVALSHA, EVAL). */
  const sent: string[] = [];
  const prefix = uniqueId('batch');
  const COUNT = counter();

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // Connected first: a command sent while connecting passes sendCommand twice (queued, then sent).
    await redis.ping();
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string }, stream?: unknown) => {
      if (command.name.startsWith('eval')) sent.push(command.name);
      return send(command as never, stream as never);
    }) as typeof redis.sendCommand;
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('sends the first call of a turn at once and the rest as one command; each result in call order', async () => {
    sent.length = 0;
    const key = `${prefix}:counter`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runScriptBatched(redis, COUNT, [key], [i + 1])),
    );
    // Run one after another, in call order: the running total after each call.
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => [key, ((i + 1) * (i + 2)) / 2]));
    // Two script calls, not ten; Redis did not know the script, so both went again by text (EVAL), in order.
    expect(sent).toEqual(['evalsha', 'evalsha', 'eval', 'eval']);
    sent.length = 0;
    await Promise.all([runScriptBatched(redis, COUNT, [key], [1]), runScriptBatched(redis, COUNT, [key], [1])]);
    expect(sent).toEqual(['evalsha', 'evalsha']);
    expect(await redis.get(key)).toBe('57');
  });

  it('keeps each call to itself: an error or a nil reaches only its own caller', async () => {
    const calls = [
      runScriptBatched(redis, COUNT, [`${prefix}:a`], [2]),
      runScriptBatched(redis, COUNT, [`${prefix}:b`], ['fail']),
      runScriptBatched(redis, COUNT, [`${prefix}:c`], ['nil']),
      runScriptBatched(redis, COUNT, [`${prefix}:a`], ['wrongtype']),
      runScriptBatched(redis, COUNT, [`${prefix}:a`], [3]),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[0] as PromiseFulfilledResult<unknown>).value).toEqual([`${prefix}:a`, 2]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain(`refused ${prefix}:b`);
    expect((settled[2] as PromiseFulfilledResult<unknown>).value).toBeNull();
    expect(String((settled[3] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    // The calls after a failed one still ran.
    expect((settled[4] as PromiseFulfilledResult<unknown>).value).toEqual([`${prefix}:a`, 5]);
  });

  it('sends a lone call at once, and calls of separate turns separately', async () => {
    sent.length = 0;
    const key = `${prefix}:lone`;
    expect(await runScriptBatched(redis, COUNT, [key], [4])).toEqual([key, 4]);
    expect(await runScriptBatched(redis, COUNT, [key], [4])).toEqual([key, 8]);
    expect(sent).toEqual(['evalsha', 'evalsha']);
  });

  it('splits a long burst into script calls in call order, none lost, even when Redis lacks the script', async () => {
    sent.length = 0;
    const fresh = counter();
    const key = `${prefix}:many`;
    const results = (await Promise.all(
      Array.from({ length: 150 }, () => runScriptBatched(redis, fresh, [key], [1])),
    )) as Array<[string, number]>;
    // The running total after each call: every call ran once, in the order made (1 at once, then 64, 64 and 21).
    expect(results.map(([, n]) => n)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(sent.filter((c) => c === 'evalsha')).toHaveLength(4);
  });

  it('rejects every call of a batch that could not be sent', async () => {
    const closed = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    closed.on('error', () => undefined);
    const settled = await Promise.allSettled([
      runScriptBatched(closed, COUNT, [`${prefix}:x`], [1]),
      runScriptBatched(closed, COUNT, [`${prefix}:y`], [1]),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await redis.exists(`${prefix}:x`, `${prefix}:y`)).toBe(0);
    closed.disconnect();
  });

  it('fails only its own calls when the client throws instead of rejecting; later calls still go', async () => {
    const broken = new Redis(REDIS_URL);
    await broken.ping();
    const real = broken.evalsha.bind(broken);
    let throws = true;
    broken.evalsha = ((...args: Parameters<typeof real>) => {
      if (throws) throw new Error('client bug');
      return real(...args);
    }) as typeof broken.evalsha;
    const settled = await Promise.allSettled(
      Array.from({ length: 3 }, () => runScriptBatched(broken, COUNT, [`${prefix}:t`], [1])),
    );
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toContain('client bug');
    throws = false;
    expect(await runScriptBatched(broken, COUNT, [`${prefix}:t`], [1])).toEqual([`${prefix}:t`, 1]);
    broken.disconnect();
  });
});
