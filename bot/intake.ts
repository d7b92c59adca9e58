// The intake: how the web role acks a command in one Redis round trip (ARCHITECTURE.md "The flow of one request").
// Once a request is authenticated and mapped, the receiver hands its body to submit(): one BullMQ add, with the
// signed bytes' digest as BullMQ's deduplication id (a replay of the same bytes adds nothing) and a fresh job id, so
// that the answer tells a first delivery from a replay. Everything else (resolving the person, the command.received
// audit record, limits, policy, approvals, replies) runs after the ack in a worker, before any side effect, through
// the handler each platform registers. Intake jobs are durable: a web process that dies after the ack loses nothing.
import { hash, randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform, IntakePort, Submitted } from './core/intake.js';
import type { Logger } from './logger.js';
import { SpanKind, contextFrom, currentTraceCarrier, withSpan } from './core/trace.js';

export type { IntakeItem } from './core/intake.js';

export interface IntakeOptions {
  readonly connection: Redis;
  readonly prefix: string;
  /** The job queue's name; the intake queue is `<name>-intake`. */
  readonly queueName: string;
  readonly log: Logger;
  /** How long a signed body is remembered as seen (a replay within this window adds nothing). */
  readonly replayTtlMs: number;
}

/** sha256 of the signed bytes: the deduplication id, in base64url (43 characters, not hex's 64: it is sent twice with
 *  every add, in the key and in the options, and the shorter form costs about 3 µs less CPU an add). One-shot
 *  crypto.hash: no Hash object per request. */
export const digestOf = (signed: Buffer | string): string => hash('sha256', signed, 'base64url');

/** Finished intake items: completed ones kept an hour (at most 10,000), failed ones a week. */
const KEEP = { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 24 * 3600 } } as const;

export class Intake implements IntakePort {
  readonly queue: Queue<IntakeItem>;
  readonly name: string;
  private readonly handlers = new Map<IntakePlatform, IntakeHandler>();
  private worker: Worker<IntakeItem> | undefined;
  /** Jobs this process queued and its own worker will run: settled() waits for them (shutdown, tests). */
  private readonly local = new Map<string, () => void>();
  private readonly pending = new Set<Promise<void>>();
  /** The queue's own connection, without auto-pipelining (see the constructor); closed with the queue. */
  private readonly own: Redis | undefined;

  constructor(private readonly options: IntakeOptions) {
    this.name = `${options.queueName}-intake`;
    // One add per request, each awaited alone: auto-pipelining (a new ioredis Pipeline, with every BullMQ script
    // defined on it, per batch) costs about 10 µs of CPU an add here and saves no round trip, so the queue gets a
    // connection of its own without it.
    this.own = options.connection.options.enableAutoPipelining
      ? options.connection.duplicate({ enableAutoPipelining: false, lazyConnect: false })
      : undefined;
    this.own?.on('error', () => undefined);
    this.queue = new Queue<IntakeItem>(this.name, {
      connection: this.own ?? options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        // Handlers answer expected failures themselves (the person is told); a throw is unexpected (Redis gone
        // before any side effect): retried, then kept as failed.
        attempts: 3,
        backoff: { type: 'exponential', delay: 500 },
        // How long finished items are kept is the worker's option (KEEP), not each job's: BullMQ uses the worker's
        // when the job names none, and every add sends and stores its options (about 4 µs of CPU an add).
      },
    });
    this.queue.on('error', () => undefined);
  }

  /** Resolves when the queue's connection is up and BullMQ's set-up commands are done (or after `timeoutMs`), so that
   *  the first ack pays only its add. */
  async ready(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([
      this.queue.waitUntilReady().then(
        () => undefined,
        () => undefined,
      ),
      late,
    ]);
    clearTimeout(timer);
  }

  register(platform: IntakePlatform, handler: IntakeHandler): void {
    this.handlers.set(platform, handler);
  }

  async submit(item: IntakeItem, signed: Buffer | string, windowMs = this.options.replayTtlMs): Promise<Submitted> {
    const jobId = randomUUID();
    const done = this.worker ? this.track(jobId) : undefined;
    const trace = currentTraceCarrier();
    const job = await this.queue
      .add(item.platform, trace ? { ...item, trace: { ...trace } } : item, {
        jobId,
        deduplication: { id: digestOf(signed), ttl: windowMs },
      })
      .catch((error: unknown) => {
        this.local.get(jobId)?.();
        throw error;
      });
    if (job.id !== jobId) {
      this.local.get(jobId)?.();
      // Only on this rare path: a second round trip to say whether the first copy had the same delivery id.
      const first = job.id ? await this.queue.getJob(job.id).catch(() => undefined) : undefined;
      const firstDeliveryId = first?.data?.deliveryId;
      return { outcome: 'replay', jobId: job.id ?? '', ...(firstDeliveryId ? { firstDeliveryId } : {}) };
    }
    if (done) this.pending.add(done);
    return { outcome: 'queued', jobId };
  }

  private track(jobId: string): Promise<void> {
    const done = new Promise<void>((resolve) => this.local.set(jobId, resolve)).finally(() => {
      this.local.delete(jobId);
      this.pending.delete(done);
    });
    return done;
  }

  /** Starts this process's intake worker (worker role) on its own blocking connection. */
  start(connection: Redis, concurrency: number, locks: { lockDuration?: number; stalledInterval?: number } = {}): void {
    const log = this.options.log.child({ queue: this.name });
    this.worker = new Worker<IntakeItem>(this.name, (job) => this.run(job, log), {
      connection,
      prefix: this.options.prefix,
      concurrency,
      ...KEEP,
      ...locks,
    });
    this.worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'intake worker error'));
    this.worker.on('completed', (job) => this.local.get(job.id ?? '')?.());
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      log.error({ err: { message: err.message }, jobId: job.id, attempts: job.attemptsMade }, 'intake job failed');
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) this.local.get(job.id ?? '')?.();
    });
  }

  private async run(job: Job<IntakeItem>, log: Logger): Promise<void> {
    const handler = this.handlers.get(job.data.platform);
    if (!handler) throw new Error(`no intake handler for ${job.data.platform} in this worker`);
    log.debug({ deliveryId: job.data.deliveryId, platform: job.data.platform }, 'intake item');
    const span = {
      kind: SpanKind.CONSUMER,
      parent: contextFrom(job.data.trace),
      attributes: { 'void.job_id': job.id ?? '' },
    };
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await withSpan(`void.intake ${job.data.platform}`, span, () => handler(job.data, { final, id: job.id ?? '' }));
  }

  /** Resolves when every item this process queued and runs itself has been handled. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    for (const resolve of this.local.values()) resolve();
    await this.queue.close();
    await this.own?.quit().catch(() => undefined);
  }
}
