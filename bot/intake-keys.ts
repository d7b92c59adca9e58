// The intake stream's keys, consumer group and the small scripts its worker runs (bot/intake-worker.ts).
import type { Redis } from 'ioredis';
import { redisScript, runScript } from './core/redis-script.js';

/** The intake's Redis keys: the stream of items (consumer group `workers`), the items that failed every attempt, and
 *  the prefix of the keys that remember a signed body as seen. */
export function intakeKeys(prefix: string, queueName: string) {
  // `-intake-stream`, not `-intake`: the previous release's BullMQ intake queue has keys of its own under that name
  // (its `failed` a sorted set), which the upgrade still reads (intake-legacy.ts).
  const base = `${prefix}:${queueName}-intake-stream`;
  return { stream: `${base}:items`, failed: `${base}:failed`, seen: `${base}:seen:` } as const;
}
export type IntakeKeys = ReturnType<typeof intakeKeys>;

export const INTAKE_GROUP = 'workers';

/** Creates the stream and its consumer group when missing (from the first entry: nothing queued before is skipped). */
export async function ensureGroup(redis: Redis, stream: string): Promise<void> {
  await redis.xgroup('CREATE', stream, INTAKE_GROUP, '0', 'MKSTREAM').catch((error: unknown) => {
    if (!String((error as Error)?.message).startsWith('BUSYGROUP')) throw error;
  });
}

// KEYS: stream. ARGV: group, consumer, retry count ('' keeps it), ids. Resets the idle time of (and, with a retry
// count, records the attempt of) the ids this consumer still owns; returns the ids another worker took over meanwhile.
export const OWNED_CLAIM = redisScript(`
local lost = {}
for i = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    if ARGV[3] == '' then redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    else redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', ARGV[3], 'JUSTID') end
  else table.insert(lost, ARGV[i]) end
end
return lost
`);
// KEYS: stream. ARGV: group, consumer. Leaves the group only with nothing pending in its name, in one step (a read cut
// off at close may still be served: its items must not be dropped from the group's pending list).
export const LEAVE = redisScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return 1
`);
// KEYS: stream. ARGV: group, idle ms, this consumer. Removes the consumers of workers that stopped without leaving the
// group (killed): nothing pending in their name and silent for longer than the idle time (a live worker reads every
// few seconds). Returns how many went.
const FORGET = redisScript(`
local gone = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for j = 1, #c, 2 do f[c[j]] = c[j + 1] end
  if f['name'] ~= ARGV[3] and f['pending'] == 0 and f['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    gone = gone + 1
  end
end
return gone
`);

/** Forgets the group's consumers that stopped without leaving it (see FORGET); resolves to how many. */
export async function forgetStoppedConsumers(redis: Redis, stream: string, self: string, idleMs: number) {
  return Number(await runScript(redis, FORGET, [stream], [INTAKE_GROUP, idleMs, self]));
}

/** Resolves once the connection is up (the intake's have no offline queue: a command sent earlier fails), or after
 *  `ms`, or at once when it was closed for good. */
export async function whenReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return;
  let done: () => void = () => undefined;
  const timer = setTimeout(() => done(), ms);
  await new Promise<void>((resolve) => redis.once('ready', (done = resolve)));
  redis.off('ready', done);
  clearTimeout(timer);
}

export function fieldOf(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] as string;
  return '';
}

/** Failed items kept (about; the oldest go first). */
const FAILED_KEPT = 10_000;

/** Keeps an item in the failed stream and removes it from the items, in one transaction; resolves to the error when
 *  that did not go through (the item is then left pending: its delivery count says its last attempt was made, so the
 *  worker that takes it over fails it without running it again). */
export async function moveToFailed(
  redis: Redis,
  keys: IntakeKeys,
  f: { readonly id: string; readonly data: string; readonly reason: string; readonly attempts: number },
): Promise<unknown> {
  const results = await redis
    .multi()
    .xadd(
      keys.failed,
      'MAXLEN',
      '~',
      FAILED_KEPT,
      '*',
      'id',
      f.id,
      'd',
      f.data,
      'error',
      f.reason,
      'attempts',
      f.attempts,
    )
    .xdel(keys.stream, f.id)
    .xack(keys.stream, INTAKE_GROUP, f.id)
    .exec()
    .catch((error: unknown) => [[error, null]] as [unknown, unknown][]);
  return results?.find(([error]) => error)?.[0];
}
