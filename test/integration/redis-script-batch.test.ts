// runScriptBatched (bot/core/redis-script.ts): calls of one script made in the same turn of the process go to Redis as
// one script call, on real Redis. Each call still gets its own result (in the order the calls were made, as if sent one
// after another), its own error, a nil as null; a lone call is the plain script; a script Redis does not know yet is
// sent by its text.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchedScript, redisScript, runScriptBatched } from '../../bot/core/redis-script.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';

// A fresh text per run (the comment): Redis has never seen it, so the first call takes the NOSCRIPT path.
const COUNT = redisScript(`-- ${randomUUID()}
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

  it('sends the calls of one turn as one command, and gives each call its own result in call order', async () => {
    sent.length = 0;
    const key = `${prefix}:counter`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runScriptBatched(redis, COUNT, [key], [i + 1])),
    );
    // Run one after another, in call order: the running total after each call.
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => [key, ((i + 1) * (i + 2)) / 2]));
    // One script call (EVAL first: Redis did not know the batch form yet), not ten.
    expect(sent).toEqual(['evalsha', 'eval']);
    sent.length = 0;
    await Promise.all([runScriptBatched(redis, COUNT, [key], [1]), runScriptBatched(redis, COUNT, [key], [1])]);
    expect(sent).toEqual(['evalsha']);
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

  it('sends a lone call as the script itself, and calls of separate turns separately', async () => {
    sent.length = 0;
    const key = `${prefix}:lone`;
    expect(await runScriptBatched(redis, COUNT, [key], [4])).toEqual([key, 4]);
    expect(await runScriptBatched(redis, COUNT, [key], [4])).toEqual([key, 8]);
    // The plain script's first call: Redis did not know it (NOSCRIPT), so it went again as its text.
    expect(sent).toEqual(['evalsha', 'eval', 'evalsha']);
    expect(batchedScript(COUNT).sha).not.toBe(COUNT.sha);
  });

  it('splits a burst larger than one batch into several script calls, none lost', async () => {
    sent.length = 0;
    const keys = Array.from({ length: 150 }, (_, i) => `${prefix}:many:${i % 7}`);
    const results = (await Promise.all(keys.map((k) => runScriptBatched(redis, COUNT, [k], [1])))) as Array<
      [string, number]
    >;
    expect(results.map(([k]) => k)).toEqual(keys);
    expect(Math.max(...results.map(([, n]) => n))).toBe(22);
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha']);
  });

  it('rejects every call of a batch that could not be sent', async () => {
    const closed = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const settled = await Promise.allSettled([
      runScriptBatched(closed, COUNT, [`${prefix}:x`], [1]),
      runScriptBatched(closed, COUNT, [`${prefix}:y`], [1]),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await redis.exists(`${prefix}:x`, `${prefix}:y`)).toBe(0);
    closed.disconnect();
  });
});
