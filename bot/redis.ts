// Redis for BullMQ and Void's own keys (idempotency, limits). Required: when REDIS_URL is unset and nothing answers
// on the default address, a private redis-server is started for this process if one is on the PATH.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { VoidError } from './core/errors.js';
import type { Logger } from './logger.js';
import { redactUrl } from './core/logger.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisHandle {
  readonly url: string;
  /** Present when Void started its own redis-server; stopped on shutdown. */
  readonly child?: ChildProcess;
  stop(): Promise<void>;
}

/** No auto-pipelining: ioredis builds a Pipeline per batch that copies every script BullMQ defines on the connection
 *  (about a hundred properties), which cost more CPU and latency than the writes it saved (B3: 0.30 → 0.34 × raw
 *  BullMQ without it, 2026-12-04). Commands sent together are still in flight together. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { lazyConnect: false, enableAutoPipelining: false, ...options });
}

/** Pings once, without retrying: used to decide quickly whether Redis answers. */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function ensureRedis(explicitUrl: string | undefined, log: Logger): Promise<RedisHandle> {
  const url = explicitUrl ?? DEFAULT_REDIS_URL;
  if (await pingRedis(url)) return { url, stop: async () => undefined };
  if (explicitUrl) {
    throw new VoidError(
      'redis.unreachable',
      `Redis does not answer at ${redactUrl(url)} (REDIS_URL). Start Redis there or point REDIS_URL at one.`,
    );
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new VoidError(
      'redis.unreachable',
      `Redis does not answer at ${url} and redis-server is not on the PATH. Install Redis (Debian/Ubuntu: ` +
        `apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.`,
    );
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    {
      stdio: 'ignore',
    },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await pingRedis(privateUrl, 300)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await pingRedis(privateUrl)))
    throw new VoidError('redis.unreachable', 'Started a private redis-server, but it does not answer.');
  log.warn(
    { url: privateUrl },
    'Nothing answered at redis://127.0.0.1:6379: started a private redis-server for this process (jobs are lost ' +
      'when it stops). Set REDIS_URL for real use.',
  );
  return {
    url: privateUrl,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** BullMQ's production guide: an eviction policy other than noeviction can silently drop jobs. Refuse to run on one. */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy && policy !== 'noeviction') {
    throw new VoidError(
      'redis.eviction_policy',
      `Redis maxmemory-policy is "${policy}": it can evict queued jobs. Set "maxmemory-policy noeviction" ` +
        `(BullMQ's production guide) and start again.`,
    );
  }
}

/**
 * Warns when Redis keeps nothing on disk (AOF off and no RDB snapshots): a Redis crash or restart would then lose
 * queued and delayed jobs (approved deploys waiting to run, approval expiry timers), the delivery ids that keep
 * platform retries from running twice, and the audit API tokens. Undefined when persistence is on or unknown.
 */
export async function persistenceWarning(redis: Redis): Promise<string | undefined> {
  const aof = /aof_enabled:(\d)/.exec(await redis.info('persistence'))?.[1];
  if (aof !== '0') return undefined;
  const save = await redis.call('CONFIG', 'GET', 'save').then(
    (r) => (Array.isArray(r) ? String(r[1] ?? '') : ''),
    () => undefined,
  );
  if (save === undefined || save.trim() !== '') return undefined;
  return (
    'Redis has no persistence (AOF off, no RDB snapshots): if Redis crashes or restarts, ' +
    'queued and delayed jobs (approved work waiting to run, approval expiry timers), the delivery ids that stop ' +
    'platform retries from running twice and the audit API tokens are lost. Run Redis with "appendonly yes" and ' +
    '"appendfsync everysec" (deploy/compose.yaml does).'
  );
}

export { redactUrl };

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
