// The intake's worker: reads queued requests from the intake stream as a member of its consumer group and runs each
// through its platform's handler (bot/intake.ts). An item is removed once handled. One that throws is tried again
// (500 ms, then 1 s) and after the last attempt kept in the `failed` stream for inspection. An item whose worker died
// (no heartbeat for the lock duration) is taken over by another worker; one whose workers died three times fails.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform } from './core/intake.js';
import { SpanKind, contextFrom, withSpan } from './core/trace.js';
import type { Logger } from './logger.js';

/** The intake's Redis keys: the stream of items (consumer group `workers`), the items that failed every attempt, and
 *  the prefix of the keys that remember a signed body as seen. */
export function intakeKeys(prefix: string, queueName: string) {
  const base = `${prefix}:${queueName}-intake`;
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

/** Attempts per item (the last one is told `final`, so that its handler tells the person). */
export const INTAKE_ATTEMPTS = 3;
const BACKOFF_MS = 500;
/** How long one blocking read waits for new items before it is sent again. */
const BLOCK_MS = 5_000;
/** Failed items kept (about; the oldest go first). */
const FAILED_KEPT = 10_000;

export interface IntakeWorkerOptions {
  /** Blocking reads only. */
  readonly reader: Redis;
  /** Acknowledgements, claims and heartbeats. */
  readonly redis: Redis;
  readonly keys: IntakeKeys;
  readonly concurrency: number;
  /** An item whose worker sent no heartbeat for this long is taken over by another worker. */
  readonly lockDurationMs: number;
  /** How often items of dead workers are looked for. */
  readonly stalledIntervalMs: number;
  readonly log: Logger;
  handlerOf(platform: IntakePlatform): IntakeHandler | undefined;
  /** Called with an item's origin mark once it is handled or failed for good (bot/intake.ts settled()). */
  finished(origin: string): void;
}

type Entry = [id: string, fields: string[]];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class IntakeWorker {
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly active = new Map<string, Promise<void>>();
  private closing = false;
  private reclaiming = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  /** This worker's tallies: items handled, attempts that threw and were tried again, items failed for good. */
  readonly stats = { handled: 0, retried: 0, failed: 0 };

  constructor(private readonly o: IntakeWorkerOptions) {}

  start(): void {
    this.loopDone = this.loop();
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.o.stalledIntervalMs, () => this.reclaim());
    every(Math.max(50, Math.floor(this.o.lockDurationMs / 2)), () => this.heartbeat());
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
          await this.connected();
          await ensureGroup(this.o.redis, this.o.keys.stream);
          grouped = true;
          void this.reclaim();
        }
        const { reader, keys } = this.o;
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
        reply = (await read) as typeof reply;
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

  /** Resolves once the command connection is up (it has no offline queue), or after a second. */
  private async connected(): Promise<void> {
    const { redis } = this.o;
    if (redis.status === 'ready') return;
    let done: () => void = () => undefined;
    const up = new Promise<void>((resolve) => (done = resolve));
    redis.once('ready', done);
    await Promise.race([up, this.pause(1_000)]);
    redis.off('ready', done);
    this.wake = undefined;
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
        await this.handle(id, item, final);
        break;
      } catch (error) {
        const err = { message: messageOf(error) };
        this.o.log.error({ err, jobId: id, attempts: attempt }, 'intake job failed');
        if (final) {
          await this.fail(id, data, err.message, attempt);
          return true;
        }
        if (this.closing) return false;
        this.stats.retried += 1;
        await sleep(BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
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

  private async handle(id: string, item: IntakeItem | undefined, final: boolean): Promise<void> {
    if (!item || typeof item.platform !== 'string') throw new Error('unreadable intake item');
    const handler = this.o.handlerOf(item.platform);
    if (!handler) throw new Error(`no intake handler for ${item.platform} in this worker`);
    this.o.log.debug({ deliveryId: item.deliveryId, platform: item.platform }, 'intake item');
    const span = { kind: SpanKind.CONSUMER, parent: contextFrom(item.trace), attributes: { 'void.job_id': id } };
    await withSpan(`void.intake ${item.platform}`, span, () => handler(item, { final, id }));
  }

  /** Kept in the failed stream, removed from the items, in one transaction. */
  private async fail(id: string, data: string, reason: string, attempts: number): Promise<void> {
    const { stream, failed } = this.o.keys;
    this.stats.failed += 1;
    await this.o.redis
      .multi()
      .xadd(failed, 'MAXLEN', '~', FAILED_KEPT, '*', 'id', id, 'd', data, 'error', reason, 'attempts', attempts)
      .xdel(stream, id)
      .xack(stream, INTAKE_GROUP, id)
      .exec()
      .catch((error: unknown) => this.o.log.warn({ err: { message: messageOf(error) }, jobId: id }, 'intake fail'));
  }

  /** Takes over items that no worker has kept alive for the lock duration (their worker died). */
  private async reclaim(): Promise<void> {
    if (this.closing || this.reclaiming) return;
    this.reclaiming = true;
    try {
      const free = this.o.concurrency - this.active.size;
      if (free <= 0) return;
      const { stream } = this.o.keys;
      const idle = this.o.lockDurationMs;
      const stale = (await this.o.redis.call('XPENDING', stream, INTAKE_GROUP, 'IDLE', idle, '-', '+', free)) as [
        string,
        string,
        number,
        number,
      ][];
      for (const [id, , , deliveries] of stale) {
        if (this.closing || this.active.has(id)) continue;
        // The minimum idle time again: of two workers claiming at once, only the first gets it.
        const claimed = (await this.o.redis.call('XCLAIM', stream, INTAKE_GROUP, this.consumer, idle, id)) as Entry[];
        const entry = claimed[0];
        if (!entry) continue;
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

  /** Tells the group this worker is alive: resets the idle time of the items it runs (no delivery is counted). */
  private async heartbeat(): Promise<void> {
    if (!this.active.size) return;
    const ids = [...this.active.keys()];
    await this.o.redis
      .call('XCLAIM', this.o.keys.stream, INTAKE_GROUP, this.consumer, 0, ...ids, 'JUSTID')
      .catch(() => undefined);
  }

  /** Stops reading, waits for the items in hand, and leaves the group when nothing is left in its name. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    this.wake?.();
    // A blocking read in progress ends with its connection (the app closes it next anyway).
    this.o.reader.disconnect();
    await this.loopDone;
    await Promise.allSettled([...this.active.values()]);
    const mine = (await this.o.redis
      .call('XPENDING', this.o.keys.stream, INTAKE_GROUP, '-', '+', 1, this.consumer)
      .catch(() => [undefined])) as unknown[];
    if (mine.length === 0)
      await this.o.redis.xgroup('DELCONSUMER', this.o.keys.stream, INTAKE_GROUP, this.consumer).catch(() => undefined);
  }
}

export function fieldOf(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] as string;
  return '';
}
