// The intake: how the web role acks a command in one Redis round trip (ARCHITECTURE.md "The flow of one request").
// Once a request is authenticated and mapped, the receiver hands its body to submit(): one script that remembers the
// signed bytes' digest (a replay of the same bytes within the window adds nothing, and the answer names the first
// copy's delivery id) and appends the item to a Redis stream. Everything else (resolving the person, the
// command.received audit record, limits, policy, approvals, replies) runs after the ack in a worker, before any side
// effect, through the handler each platform registers. Items are durable: a web process that dies after the ack
// loses nothing, and an item whose worker died is taken over by another (intake-worker.ts).
//
// Why a stream and not a BullMQ queue: an item is acked once and run once, in order of arrival, with no delay,
// priority or result to keep; BullMQ's add (job hash, events stream, options, deduplication key) cost about three
// times the CPU of this script in Node and in Redis, on the path every inbound request takes (B2).
import { hash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform, IntakePort, Submitted } from './core/intake.js';
import type { Logger } from './logger.js';
import { currentTraceCarrier } from './core/trace.js';
import { redisScript, runScript } from './core/redis-script.js';
import { drainLegacyIntake } from './intake-legacy.js';
import { ensureGroup, fieldOf, INTAKE_GROUP, intakeKeys, whenReady, type IntakeKeys } from './intake-keys.js';
import { IntakeWorker, type IntakeWorkerOptions } from './intake-worker.js';

export { intakeKeys, type IntakeKeys } from './intake-keys.js';

export type { IntakeItem } from './core/intake.js';

export interface IntakeOptions {
  readonly connection: Redis;
  readonly prefix: string;
  /** The job queue's name; the intake's keys are `<prefix>:<name>-intake-stream:*`. */
  readonly queueName: string;
  readonly log: Logger;
  /** How long a signed body is remembered as seen (a replay within this window adds nothing). */
  readonly replayTtlMs: number;
}

/** sha256 of the signed bytes, in base64url: names the key that remembers them. One-shot crypto.hash. */
export const digestOf = (signed: Buffer | string): string => hash('sha256', signed, 'base64url');

// KEYS: seen key, stream. ARGV: window ms, delivery id, item JSON, origin (who waits for the item in this process, or
// ''). Returns {1, entry id} when queued, or {0, "<entry id> <delivery id>"} of the first copy when the same signed
// bytes were queued within the window.
const SUBMIT = redisScript(`
local first = redis.call('GET', KEYS[1])
if first then return {0, first} end
local id
if ARGV[4] == '' then id = redis.call('XADD', KEYS[2], '*', 'd', ARGV[3])
else id = redis.call('XADD', KEYS[2], '*', 'd', ARGV[3], 'o', ARGV[4]) end
redis.call('SET', KEYS[1], id .. ' ' .. ARGV[2], 'PX', ARGV[1])
return {1, id}
`);

/** An item kept after its last attempt: its id, how many attempts it had, the last error, the item's JSON. */
export interface FailedItem {
  readonly id: string;
  readonly attempts: number;
  readonly error: string;
  readonly data: string;
}

export class Intake implements IntakePort {
  readonly name: string;
  readonly keys: IntakeKeys;
  private readonly handlers = new Map<IntakePlatform, IntakeHandler>();
  private worker: IntakeWorker | undefined;
  /** Closes the worker of the previous release's BullMQ intake queue, if anything was left in it. */
  private legacy: (() => Promise<void>) | undefined;
  /** Items this process queued and its own worker will run, by origin mark: settled() waits for them. */
  private readonly local = new Map<string, { readonly resolve: () => void; readonly at: number }>();
  /** How long an item this process queued is waited for: another process's worker may run it (and not say so). */
  private trackMs = 60_000;
  private readonly nonce = randomBytes(6).toString('base64url');
  private sequence = 0;
  private readonly pending = new Set<Promise<void>>();
  /** A connection of its own (no auto-pipelining, as every Void connection): one script per request, each awaited
   *  alone, not queued behind the app's other commands. Fails at once while Redis is down (no offline queue, as the
   *  app's connection): the ack answers 503 rather than wait. */
  private readonly redis: Redis;

  constructor(private readonly options: IntakeOptions) {
    this.name = `${options.queueName}-intake`;
    this.keys = intakeKeys(options.prefix, options.queueName);
    this.redis = options.connection.duplicate({ lazyConnect: false });
    this.redis.on('error', () => undefined);
  }

  /** Resolves when the connection is up, the script is loaded and the consumer group exists (or after `timeoutMs`),
   *  so that the first ack pays only its script. */
  async ready(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const setUp = async () => {
      await whenReady(this.redis, 5_000);
      await this.redis.script('LOAD', SUBMIT.text);
      await ensureGroup(this.redis, this.keys.stream);
    };
    await Promise.race([setUp().catch(() => undefined), late]);
    clearTimeout(timer);
  }

  register(platform: IntakePlatform, handler: IntakeHandler): void {
    this.handlers.set(platform, handler);
  }

  async submit(item: IntakeItem, signed: Buffer | string, windowMs = this.options.replayTtlMs): Promise<Submitted> {
    const trace = currentTraceCarrier();
    const json = JSON.stringify(trace ? { ...item, trace: { ...trace } } : item);
    // When this process runs the item itself, its completion is awaited under an origin mark the entry carries: the
    // worker may finish it before the script's answer is read.
    const origin = this.worker ? `${this.nonce}:${++this.sequence}` : '';
    const done = origin ? this.track(origin) : undefined;
    const keys = [this.keys.seen + digestOf(signed), this.keys.stream];
    const [queued, value] = (await runScript(this.redis, SUBMIT, keys, [windowMs, item.deliveryId, json, origin]).catch(
      (error: unknown) => {
        this.local.get(origin)?.resolve();
        throw error;
      },
    )) as [number, string];
    if (Number(queued) === 1) {
      if (done) this.pending.add(done);
      return { outcome: 'queued', jobId: value };
    }
    this.local.get(origin)?.resolve();
    const space = value.indexOf(' ');
    const jobId = space > 0 ? value.slice(0, space) : value;
    const firstDeliveryId = space > 0 ? value.slice(space + 1) : '';
    return { outcome: 'replay', jobId, ...(firstDeliveryId ? { firstDeliveryId } : {}) };
  }

  private track(origin: string): Promise<void> {
    // The oldest first (a Map keeps insertion order): those waited for longer than trackMs are let go.
    const now = Date.now();
    for (const [, entry] of this.local) {
      if (now - entry.at < this.trackMs) break;
      entry.resolve();
    }
    const done = new Promise<void>((resolve) => this.local.set(origin, { resolve, at: now })).finally(() => {
      this.local.delete(origin);
      this.pending.delete(done);
    });
    return done;
  }

  /** Starts this process's intake worker (worker role) on its own blocking connection. */
  start(
    connection: Redis,
    concurrency: number,
    locks: { lockDuration?: number; stalledInterval?: number; forgetConsumersAfter?: number } = {},
  ): void {
    const options: IntakeWorkerOptions = {
      reader: connection,
      redis: this.redis,
      keys: this.keys,
      concurrency,
      lockDurationMs: locks.lockDuration ?? 30_000,
      stalledIntervalMs: locks.stalledInterval ?? 30_000,
      forgetConsumersAfterMs: locks.forgetConsumersAfter ?? 3_600_000,
      log: this.options.log.child({ queue: this.name }),
      handlerOf: (platform) => this.handlers.get(platform),
      finished: (origin) => this.local.get(origin)?.resolve(),
    };
    this.trackMs = Math.max(10_000, 2 * options.lockDurationMs);
    this.worker = new IntakeWorker(options);
    this.worker.start();
    const legacy = connection.duplicate({ maxRetriesPerRequest: 1 });
    legacy.on('error', () => undefined);
    this.legacy = drainLegacyIntake({
      connection: legacy,
      prefix: this.options.prefix,
      name: this.name,
      log: options.log,
      handlerOf: options.handlerOf,
    });
  }

  /** How many items wait for a worker, are being run, and have failed every attempt (kept for inspection). */
  async counts(): Promise<{ waiting: number; active: number; failed: number }> {
    return intakeCounts(this.redis, this.keys);
  }

  /** This process's intake worker's tallies (none without a worker). */
  get stats(): { readonly handled: number; readonly retried: number; readonly failed: number } {
    return this.worker?.stats ?? { handled: 0, retried: 0, failed: 0 };
  }

  /** The latest items that failed every attempt (newest first), kept for inspection. */
  async failedItems(count = 100): Promise<FailedItem[]> {
    const entries = (await this.redis.xrevrange(this.keys.failed, '+', '-', 'COUNT', count)) as [string, string[]][];
    return entries.map(([, fields]) => {
      const field = (name: string) => fieldOf(fields, name);
      return { id: field('id'), attempts: Number(field('attempts')), error: field('error'), data: field('d') };
    });
  }

  /** Resolves when every item this process queued and runs itself has been handled. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Deletes every item, queued or failed (tests, `void` maintenance): the seen marks expire on their own. */
  async obliterate(): Promise<void> {
    await whenReady(this.redis, 5_000);
    await this.redis.del(this.keys.stream, this.keys.failed);
  }

  /** Stops the worker (waiting at most `graceMs` for the items in hand) and closes the connection. */
  async close(graceMs?: number): Promise<void> {
    // The old queue's worker, if one runs (not waited for long when Redis does not answer).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)));
    await Promise.race([this.legacy?.(), late]);
    clearTimeout(timer);
    await this.worker?.close(graceMs);
    for (const entry of this.local.values()) entry.resolve();
    await this.redis.quit().catch(() => undefined);
  }
}

/** Waiting: entries no worker has read yet; active: read and not yet finished; failed: kept after the last attempt. */
export async function intakeCounts(
  redis: Redis,
  keys: IntakeKeys,
): Promise<{ waiting: number; active: number; failed: number }> {
  const [length, pending, failed] = await Promise.all([
    redis.xlen(keys.stream),
    redis.xpending(keys.stream, INTAKE_GROUP).catch(() => [0]) as Promise<[number, ...unknown[]]>,
    redis.xlen(keys.failed),
  ]);
  const active = Number(pending[0] ?? 0);
  return { waiting: Math.max(0, length - active), active, failed };
}
