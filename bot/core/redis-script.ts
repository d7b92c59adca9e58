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

// Calls of one script on one connection made while the process works through the same burst of callbacks share one
// script call: the first call of a turn is sent at once (a lone call waits for nothing and changes no timing), and
// the calls that follow it in the same turn (until process.nextTick: every promise continuation of that burst has
// run) go together at its end, as ONE script call: one command, one write, one reply, instead of one of each per call.
// Redis runs the calls one after the other, in the order they were made, as if sent back to back. Every call is sent
// in the script's batch form (batchedScript), a batch of one or more: one SHA per script, so that a Redis that lost
// its scripts (restart, SCRIPT FLUSH) answers NOSCRIPT to every call then in flight alike, and they are sent again by
// text in their order. Each call gets its own result or its own error (an Error with Redis's message), a nil as
// null. For the hot paths that many concurrent jobs take at once (a burst of commands' claims, their index entries,
// the workers' slots).
const MAX_BATCH = 64;

interface PendingCall {
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const batchedVariant = new WeakMap<RedisScript, RedisScript>();
/** Per connection and script: the calls waiting for the end of this turn (present once a first call was sent). */
const queued = new WeakMap<Redis, Map<RedisScript, PendingCall[]>>();

/**
 * The batch form of a script (what runScriptBatched sends): the script run once per call over a flat layout. KEYS:
 * every call's keys in turn. ARGV: the number of calls, then per call its key count, argument count and arguments.
 * Returns per call {1, result}, {2} (nil), or {0, error text}. (A body using `...` or `#!lua` flags cannot be
 * wrapped; Void's scripts use neither.)
 */
export function batchedScript(script: RedisScript): RedisScript {
  let batched = batchedVariant.get(script);
  if (!batched) {
    batched = redisScript(`
local function one(KEYS, ARGV)
${script.text}
end
local out, k, a = {}, 0, 1
for i = 1, tonumber(ARGV[1]) do
  local nk, na = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 2
  local keys, argv = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do argv[j] = ARGV[a + j] end
  k, a = k + nk, a + na
  local ok, res = pcall(one, keys, argv)
  if not ok then
    out[i] = {0, type(res) == 'table' and res.err or tostring(res)}
  elseif type(res) == 'table' and res.err then
    out[i] = {0, res.err}
  elseif res == nil or res == false then
    out[i] = {2}
  else
    out[i] = {1, res}
  end
end
return out
`);
    batchedVariant.set(script, batched);
  }
  return batched;
}

/** runScript, sharing one script call with the same script's other calls on this connection in this turn (above). */
export function runScriptBatched(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  let scripts = queued.get(redis);
  if (!scripts) queued.set(redis, (scripts = new Map()));
  const calls = scripts.get(script);
  return new Promise((resolve, reject) => {
    const call = { keys, args, resolve, reject };
    if (calls) {
      calls.push(call);
      return;
    }
    scripts.set(script, []);
    process.nextTick(flush, redis, script);
    send(redis, script, [call]);
  });
}

function flush(redis: Redis, script: RedisScript): void {
  const scripts = queued.get(redis);
  const calls = scripts?.get(script) ?? [];
  scripts?.delete(script);
  for (let i = 0; i < calls.length; i += MAX_BATCH) send(redis, script, calls.slice(i, i + MAX_BATCH));
}

function send(redis: Redis, script: RedisScript, calls: PendingCall[]): void {
  const keys: string[] = [];
  const args: Array<string | number> = [calls.length];
  for (const call of calls) {
    keys.push(...call.keys);
    args.push(call.keys.length, call.args.length, ...call.args);
  }
  const settle = (results: unknown): void =>
    calls.forEach((call, i) => {
      const entry = Array.isArray(results) ? (results[i] as unknown) : undefined;
      const [status, value] = Array.isArray(entry) ? (entry as [unknown, unknown]) : [0, 'no result for this call'];
      if (status === 1) call.resolve(value);
      else if (status === 2) call.resolve(null);
      else call.reject(value instanceof Error ? value : new Error(String(value)));
    });
  const fail = (error: unknown): void => calls.forEach((call) => call.reject(error));
  // A throw instead of a rejection (a client bug) fails these calls, never the turn's other work or later batches.
  try {
    runScript(redis, batchedScript(script), keys, args).then(settle, fail);
  } catch (error) {
    fail(error);
  }
}
