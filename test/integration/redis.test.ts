import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { checkEvictionPolicy, createRedis, ensureRedis } from '../../bot/redis.js';
import { VoidError } from '../../bot/core/errors.js';
import { RedisProcess, freePort } from '../helpers/redis-server.js';

const log = pino({ level: 'silent' });

describe('Redis at start', () => {
  it('refuses a Redis whose eviction policy can drop jobs, and says how to fix it', async () => {
    const server = await RedisProcess.start(false, ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const client = createRedis(server.url);
    try {
      await expect(checkEvictionPolicy(client)).rejects.toThrow(/maxmemory-policy is "allkeys-lru".*noeviction/);
    } finally {
      client.disconnect();
      await server.kill();
    }
  });

  it('accepts noeviction', async () => {
    const server = await RedisProcess.start(false);
    const client = createRedis(server.url);
    try {
      await expect(checkEvictionPolicy(client)).resolves.toBeUndefined();
    } finally {
      client.disconnect();
      await server.kill();
    }
  });

  it('stops with a clear message when an explicit REDIS_URL does not answer, hiding its password', async () => {
    const port = await freePort();
    const error = await ensureRedis(`redis://:hunter2@127.0.0.1:${port}`, log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoidError);
    expect((error as Error).message).toContain(`Redis does not answer at redis://***@127.0.0.1:${port} (REDIS_URL)`);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
