// `void doctor`, the infrastructure checks: Redis (version, eviction policy, persistence) and the store (MongoDB and
// its replica-set topology, which the start-up check in observability.ts shares). Apart from the platform checks
// because these talk to our own services, not to a platform's API.
import { Redis } from 'ioredis';
import { type Env } from './config/env.js';
import { redactUrl } from './redis.js';
import { check, TIMEOUT_MS, type Check } from './doctor-check.js';

// ---- MongoDB topology (shared with the start-up check in observability.ts) ----

export interface MongoTopology {
  readonly setName?: string;
  readonly version?: string;
}

/** Connects once, asks `hello` and `buildInfo`, disconnects. Throws when MongoDB does not answer. */
export async function mongoTopology(url: string): Promise<MongoTopology> {
  const { default: mongoose } = await import('mongoose');
  const connection = mongoose.createConnection(url, { bufferCommands: false, serverSelectionTimeoutMS: TIMEOUT_MS });
  try {
    await connection.asPromise();
    const admin = connection.db?.admin();
    const hello = (await admin?.command({ hello: 1 })) as { setName?: string } | undefined;
    const build = (await admin?.command({ buildInfo: 1 }).catch(() => undefined)) as { version?: string } | undefined;
    return {
      ...(hello?.setName ? { setName: hello.setName } : {}),
      ...(build?.version ? { version: build.version } : {}),
    };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Warn when several web replicas share a MongoDB that is not a replica set (no transactions, no failover). */
export function replicaSetAdvice(
  topology: MongoTopology,
  webReplicas: number,
): { level: 'ok' | 'info' | 'warn'; message: string } {
  if (topology.setName) return { level: 'ok', message: `MongoDB is replica set "${topology.setName}".` };
  const message = 'MongoDB is not a replica set: no failover, and multi-document transactions are unavailable.';
  if (webReplicas > 1)
    return {
      level: 'warn',
      message:
        `${message} ${webReplicas} web replicas are configured (VOID_WEB_REPLICAS): run MongoDB as a replica set ` +
        `(a single-node one will do: mongod --replSet rs0, then rs.initiate()).`,
    };
  return { level: 'info', message: `${message} Fine for one web replica; run a replica set before scaling out.` };
}

// ---- Redis ----

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

export async function checkRedis(url: string): Promise<Check[]> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = parseInfo(await client.info());
    const version = info.redis_version ?? 'unknown';
    const out: Check[] = [];
    if (!versionAtLeast(version, 6, 2))
      out.push(
        check(
          'redis.version',
          'fail',
          `Redis ${version} at ${redactUrl(url)}`,
          'BullMQ needs Redis 6.2 or newer: upgrade Redis.',
        ),
      );
    else out.push(check('redis.version', 'ok', `Redis ${version} at ${redactUrl(url)}`));
    const policy = info.maxmemory_policy ?? 'unknown';
    if (policy !== 'noeviction')
      out.push(
        check(
          'redis.eviction',
          'fail',
          `maxmemory-policy is "${policy}": Redis may evict queued jobs; Void refuses to start`,
          'Set "maxmemory-policy noeviction" (redis.conf or CONFIG SET maxmemory-policy noeviction).',
        ),
      );
    else out.push(check('redis.eviction', 'ok', 'maxmemory-policy noeviction'));
    const save = await client.config('GET', 'save').then(
      (r) => String((r as string[])[1] ?? ''),
      () => 'unknown',
    );
    if (info.aof_enabled === '1')
      out.push(
        check('redis.persistence', 'ok', `AOF on${save && save !== 'unknown' ? `, RDB snapshots "${save}"` : ''}`),
      );
    else if (save && save !== 'unknown')
      out.push(
        check(
          'redis.persistence',
          'warn',
          `AOF off; RDB snapshots only ("${save}"): jobs since the last snapshot are lost on a crash`,
          'Turn AOF on: "appendonly yes" (BullMQ production guide).',
        ),
      );
    else
      out.push(
        check(
          'redis.persistence',
          'warn',
          'AOF off and no RDB snapshots (or CONFIG is not allowed): a Redis crash or restart loses queued and ' +
            'delayed jobs (approved work, approval expiry timers), the delivery ids that stop retries running ' +
            'twice, and the audit API tokens',
          'Turn AOF on: "appendonly yes" with "appendfsync everysec" (as deploy/compose.yaml does), ' +
            'or check your managed Redis persistence settings.',
        ),
      );
    return out;
  } catch (error) {
    return [
      check(
        'redis',
        'fail',
        `Redis does not answer at ${redactUrl(url)} (${(error as Error).message})`,
        'Start Redis or point REDIS_URL at one (redis://host:6379).',
      ),
    ];
  } finally {
    client.disconnect();
  }
}

export async function checkStore(env: Env): Promise<Check> {
  if (!env.MONGODB_URL)
    return check(
      'store',
      'warn',
      'MONGODB_URL is not set: approvals and the audit trail live in memory and are lost on restart',
      'Set MONGODB_URL=mongodb://host:27017/void?replicaSet=rs0 for production.',
    );
  try {
    const topology = await mongoTopology(env.MONGODB_URL);
    const advice = replicaSetAdvice(topology, env.VOID_WEB_REPLICAS);
    const detail = `MongoDB ${topology.version ?? ''} at ${redactUrl(env.MONGODB_URL)}: ${advice.message}`.replace(
      '  ',
      ' ',
    );
    return check(
      'store',
      advice.level === 'warn' ? 'warn' : 'ok',
      detail,
      advice.level === 'ok'
        ? undefined
        : 'Run MongoDB as a replica set (compose.yaml in deploy/ shows a single-node one).',
    );
  } catch (error) {
    return check(
      'store',
      'fail',
      `MongoDB does not answer at ${redactUrl(env.MONGODB_URL)} (${(error as Error).name})`,
      'Start MongoDB or correct MONGODB_URL.',
    );
  }
}
