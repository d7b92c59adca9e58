// A Lua script run by its SHA (EVALSHA), and by its text (EVAL, which caches it) when Redis answers NOSCRIPT (a new or
// restarted Redis, SCRIPT FLUSH): nothing ran then. Not ioredis's defineCommand: on a connection without an offline
// queue, a defined command can throw outside its promise while Redis is down (ioredis#1511).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface RedisScript {
  readonly text: string;
  readonly sha: string;
}

export const redisScript = (text: string): RedisScript => ({
  text,
  sha: createHash('sha1').update(text).digest('hex'),
});

export function runScript(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  const all = [keys.length, ...keys, ...args];
  const send = (command: 'evalsha' | 'eval', first: string) =>
    (redis[command] as (...a: Array<string | number>) => Promise<unknown>).call(redis, first, ...all);
  return send('evalsha', script.sha).catch((error: unknown) =>
    String((error as Error)?.message).startsWith('NOSCRIPT') ? send('eval', script.text) : Promise.reject(error),
  );
}
