// The intake's worker: reads queued requests from the intake stream as a member of its consumer group and runs each
// through its platform's handler (bot/intake.ts). An item is removed once handled. One that throws is tried again
// (500 ms, then 1 s) and after the last attempt kept in the `failed` stream for inspection. An item whose worker died
// (no heartbeat for the lock duration) is taken over by another worker; one whose workers died three times fails.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform } from './core/intake.js';
import { ensureGroup, fieldOf, forgetStoppedConsumers, INTAKE_GROUP, LEAVE, OWNED_CLAIM } from './intake-keys.js';
import { moveToFailed, whenReady, type IntakeKeys } from './intake-keys.js';
import { runScript } from './core/redis-script.js';
import type { Logger } from './logger.js';
import { SpanKind, contextFrom, withSpan } from './core/trace.js';

/** Attempts per item (the last one is told `final`, so that its handler tells the person). */
const INTAKE_ATTEMPTS = 3;
/** Backoff before a retry; how long one blocking read waits before it is sent again. */
const [BACKOFF_MS, BLOCK_MS] = [500, 5_000];

export interface IntakeWorkerOptions {
  /** Blocking reads only; and acknowledgements, claims and heartbeats. */
  readonly reader: Redis;
  readonly redis: Redis;
  readonly keys: IntakeKeys;
  readonly concurrency: number;
  /** An item whose worker sent no heartbeat for this long is taken over by another worker. */
  readonly lockDurationMs: number;
  /** How often items of dead workers are looked for. */
  readonly stalledIntervalMs: number;
  /** Consumers of workers killed without leaving the group are forgotten after this long (nothing pending). */
  readonly forgetConsumersAfterMs: number;
  readonly log: Logger;
  handlerOf(platform: IntakePlatform): IntakeHandler | undefined;
  /** Called with an item's origin mark once it is handled or failed for good (bot/intake.ts settled()). */
  finished(origin: string): void;
}
type Entry = [id: string, fields: string[]];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs one item through its platform's handler (this worker's, and the previous release's queue: intake-legacy.ts). */
export async function handleItem(
  o: { readonly handlerOf: (platform: IntakePlatform) => IntakeHandler | undefined; readonly log: Logger },
  item: IntakeItem | undefined,
  attempt: { readonly final: boolean; readonly id: string },
): Promise<void> {
  if (!item || typeof item.platform !== 'string') throw new Error('unreadable intake item');
  const handler = o.handlerOf(item.platform);
  if (!handler) throw new Error(`no intake handler for ${item.platform} in this worker`);
  o.log.debug({ deliveryId: item.deliveryId, platform: item.platform }, 'intake item');
  const span = { kind: SpanKind.CONSUMER, parent: contextFrom(item.trace), attributes: { 'void.job_id': attempt.id } };
  await withSpan(`void.intake ${item.platform}`, span, () => handler(item, attempt));
}

export class IntakeWorker {
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly active = new Map<string, Promise<void>>();
  private closing = false;
  private reclaiming = false;
  private forgetAt = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private stopReading: () => void = () => undefined;
  private readonly stopped = new Promise<null>((resolve) => (this.stopReading = () => resolve(null)));
  private reclaimRun: Promise<void> = Promise.resolve();
  private sweep: NodeJS.Timeout | undefined;
  private beat: NodeJS.Timeout | undefined;
  /** Items another worker took over while this one ran them: their end is not this worker's to record. */
  private readonly lost = new Set<string>();
  /** This worker's tallies: items handled, attempts that threw and were tried again, items failed for good. */
  readonly stats = { handled: 0, retried: 0, failed: 0 };

  constructor(private readonly o: IntakeWorkerOptions) {}

  start(): void {
    this.loopDone = this.loop();
    this.sweep = setInterval(() => void (this.reclaimRun = this.reclaim()), this.o.stalledIntervalMs);
    this.beat = setInterval(() => void this.heartbeat(), Math.max(50, Math.floor(this.o.lockDurationMs / 2)));
    this.sweep.unref();
    this.beat.unref();
  }

  private async loop(): Promise<void> {
    let grouped = false;
    while (!this.closing) {
      const free = this.o.concurrency - this.active.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      let reply: [string, Entry[]][] | null;
      try {
        if (!grouped) {
          await whenReady(this.o.redis, 1_000);
          await ensureGroup(this.o.redis, this.o.keys.stream);
          grouped = true;
          this.reclaimRun = this.reclaim();
        }
        const { reader, keys } = this.o;
        // Raced with close: a read whose connection is reconnecting never ends when the connection is dropped.
        const read = reader.xreadgroup(
          'GROUP',
          INTAKE_GROUP,
          this.consumer,
          'COUNT',
          free,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          keys.stream,
          '>',
        );
        reply = (await Promise.race([read, this.stopped])) as typeof reply;
        read.catch(() => undefined);
      } catch (error) {
        if (this.closing) break;
        // NOGROUP, UNBLOCKED: the stream was deleted (obliterated); it and its group are made again.
        if (/^(NOGROUP|UNBLOCKED)/.test(messageOf(error))) grouped = false;
        else {
          this.o.log.warn({ err: { message: messageOf(error) } }, 'intake read failed; trying again');
          await this.pause(1_000);
        }
        continue;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) this.launch(id, fields, 1);
    }
  }

  /** Waits `ms`, or less when the worker closes. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private launch(id: string, fields: string[], attempt: number): void {
    const origin = fieldOf(fields, 'o');
    const run = this.run(id, fieldOf(fields, 'd'), attempt)
      .then((handled) => {
        if (handled && origin) this.o.finished(origin);
      })
      .finally(() => {
        this.active.delete(id);
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
    this.active.set(id, run);
  }

  /** Runs one item to its end; false when it is left for another worker (this one is closing). */
  private async run(id: string, data: string, first: number): Promise<boolean> {
    let item: IntakeItem | undefined;
    try {
      item = JSON.parse(data) as IntakeItem;
    } catch {
      item = undefined;
    }
    for (let attempt = first; ; attempt++) {
      const final = attempt >= INTAKE_ATTEMPTS;
      try {
        await handleItem(this.o, item, { final, id });
        break;
      } catch (error) {
        const err = { message: messageOf(error) };
        this.o.log.error({ err, jobId: id, attempts: attempt }, 'intake job failed');
        if (final) {
          if (this.lost.delete(id)) return false;
          await this.fail(id, data, err.message, attempt);
          return true;
        }
        if (this.closing) return false;
        this.stats.retried += 1;
        await sleep(BACKOFF_MS * 2 ** (attempt - 1));
        // The next attempt is recorded as the item's delivery count first: a worker that takes it over after this one
        // died counts on from there (and never tells the person twice that it failed for good).
        if (!(await this.stillMine(id, attempt + 1))) return false;
      }
    }
    if (this.lost.delete(id)) return false;
    this.stats.handled += 1;
    // Handled: removed from the stream (a failure here leaves it to be taken over and run again, as a resumed run).
    await this.o.redis
      .pipeline()
      .xdel(this.o.keys.stream, id)
      .xack(this.o.keys.stream, INTAKE_GROUP, id)
      .exec()
      .catch((error: unknown) => this.o.log.warn({ err: { message: messageOf(error) }, jobId: id }, 'intake ack'));
    return true;
  }

  /** Kept in the failed stream, removed from the items, in one transaction. */
  private async fail(id: string, data: string, reason: string, attempts: number): Promise<void> {
    this.stats.failed += 1;
    const error = await moveToFailed(this.o.redis, this.o.keys, { id, data, reason, attempts });
    if (error) this.o.log.warn({ err: { message: messageOf(error) }, jobId: id }, 'intake item not moved to failed');
  }

  /** Takes over items that no worker has kept alive for the lock duration (their worker died). */
  private async reclaim(): Promise<void> {
    if (this.closing || this.reclaiming) return;
    this.reclaiming = true;
    try {
      const { stream } = this.o.keys;
      if (Date.now() >= this.forgetAt) {
        this.forgetAt = Date.now() + this.o.forgetConsumersAfterMs;
        await forgetStoppedConsumers(this.o.redis, stream, this.consumer, this.o.forgetConsumersAfterMs);
      }
      const free = this.o.concurrency - this.active.size;
      if (free <= 0) return;
      const idle = this.o.lockDurationMs;
      type Pending = [id: string, owner: string, idleMs: number, deliveries: number];
      const stale = (await this.o.redis.call(
        'XPENDING',
        stream,
        INTAKE_GROUP,
        'IDLE',
        idle,
        '-',
        '+',
        free,
      )) as Pending[];
      for (const [id, , , deliveries] of stale) {
        if (this.closing || this.active.has(id) || this.active.size >= this.o.concurrency) continue;
        // The minimum idle time again: of two workers claiming at once, only the first gets it.
        const claimed = (await this.o.redis.call('XCLAIM', stream, INTAKE_GROUP, this.consumer, idle, id)) as Entry[];
        const entry = claimed[0];
        // Closing meanwhile: left claimed; another worker takes it over after the lock duration.
        if (!entry || this.closing) continue;
        this.o.log.warn({ jobId: id, deliveries }, 'intake item taken over from a worker that stopped');
        if (deliveries >= INTAKE_ATTEMPTS) {
          const reason = `its worker stopped ${deliveries} times while running it`;
          this.o.log.error({ jobId: id, attempts: deliveries }, `intake job failed: ${reason}`);
          await this.fail(id, fieldOf(entry[1], 'd'), reason, deliveries);
        } else this.launch(id, entry[1], deliveries + 1);
      }
    } catch (error) {
      this.o.log.warn({ err: { message: messageOf(error) } }, 'intake take-over check failed');
    } finally {
      this.reclaiming = false;
    }
  }

  /** Tells the group this worker is alive: resets the idle time of the items it still owns (no delivery counted). */
  private async heartbeat(): Promise<void> {
    if (!this.active.size) return;
    const ids = [...this.active.keys()].filter((id) => !this.lost.has(id));
    if (ids.length) await this.claimOwned(ids, '').catch(() => undefined);
  }

  /** Records the next attempt of an item this worker still owns; false when another worker has taken it over. */
  private async stillMine(id: string, attempt: number): Promise<boolean> {
    await this.claimOwned([id], attempt).catch(() => undefined);
    return !this.lost.delete(id);
  }

  private async claimOwned(ids: string[], retryCount: number | ''): Promise<void> {
    const { stream } = this.o.keys;
    const lost = (await runScript(
      this.o.redis,
      OWNED_CLAIM,
      [stream],
      [INTAKE_GROUP, this.consumer, retryCount, ...ids],
    )) as string[] | null;
    for (const id of lost ?? []) {
      if (!this.active.has(id) || this.lost.has(id)) continue;
      this.lost.add(id);
      this.o.log.warn({ jobId: id }, 'intake item taken over by another worker while this one ran it');
    }
  }

  /** Stops reading, waits (at most `graceMs`) for the items in hand while still keeping them alive, and leaves the
   *  group when nothing is left in its name. */
  async close(graceMs = 30_000): Promise<void> {
    this.closing = true;
    clearInterval(this.sweep);
    this.stopReading();
    this.wake?.();
    this.o.reader.disconnect();
    await this.loopDone;
    await this.reclaimRun;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.active.values()]), late]);
    clearTimeout(timer);
    clearInterval(this.beat);
    if (this.active.size === 0)
      await runScript(this.o.redis, LEAVE, [this.o.keys.stream], [INTAKE_GROUP, this.consumer]).catch(() => undefined);
  }
}
