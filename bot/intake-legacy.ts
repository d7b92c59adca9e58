// Requests acked by a release whose intake was a BullMQ queue (`<queue>-intake`, before the intake stream): a worker
// that finds any at start runs them through the same handlers, then stops watching that queue. Nothing acked before
// an upgrade is lost (README "The ack is one Redis round trip": drain before the roll-out; this catches what is left).
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform } from './core/intake.js';
import type { Logger } from './logger.js';

const LEFT = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Runs what is left in the old queue; resolves to a closer (a no-op when nothing was left). Owns `connection`. */
export async function drainLegacyIntake(options: {
  readonly connection: Redis;
  readonly prefix: string;
  readonly name: string;
  readonly log: Logger;
  readonly handlerOf: (platform: IntakePlatform) => IntakeHandler | undefined;
}): Promise<() => Promise<void>> {
  const { connection, prefix, name, log } = options;
  const queue = new Queue<IntakeItem>(name, { connection, prefix });
  queue.on('error', () => undefined);
  const counts = await queue.getJobCounts(...LEFT).catch(() => ({}) as Record<string, number>);
  const left = Object.values(counts).reduce((sum, n) => sum + n, 0);
  if (left === 0) {
    await queue.close();
    await connection.quit().catch(() => undefined);
    return async () => undefined;
  }
  log.warn({ queue: name, left }, 'requests acked by the previous release are still queued: running them');
  const run = async (job: Job<IntakeItem>) => {
    const handler = options.handlerOf(job.data.platform);
    if (!handler) throw new Error(`no intake handler for ${job.data.platform} in this worker`);
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await handler(job.data, { final, id: job.id ?? '' });
  };
  const blocking = connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<IntakeItem>(name, run, { connection: blocking, prefix, concurrency: 8 });
  worker.on('error', () => undefined);
  const timer = setInterval(async () => {
    const now = await queue.getJobCounts(...LEFT).catch(() => undefined);
    if (now && Object.values(now).every((n) => n === 0)) {
      clearInterval(timer);
      log.info({ queue: name }, "the previous release's intake queue is empty");
      await close();
    }
  }, 5_000);
  timer.unref();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await worker.close();
    await queue.close();
    await blocking.quit().catch(() => undefined);
    await connection.quit().catch(() => undefined);
  };
  return close;
}
