// A short Redis lock, so that two processes (web and worker replicas) updating the same marked JIRA comment at the
// same moment do not both create it. Held for one find-then-write; it lapses by itself if its holder dies.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Runs `work` holding `key`; after `ttlMs` of waiting it runs anyway (the holder's lease has lapsed by then). */
export async function withRedisLock<T>(redis: Redis, key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + ttlMs;
  let held = false;
  while (!held && Date.now() < deadline) {
    held = (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
    if (!held) await sleep(25 + Math.floor(Math.random() * 50));
  }
  try {
    return await work();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}
