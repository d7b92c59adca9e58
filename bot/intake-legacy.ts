// Requests acked by a release whose intake was a BullMQ queue (`<queue>-intake`, before the intake stream): for its
// first WATCH_MS a worker looks at that queue every few seconds and runs what it finds there through the same
// handlers. Nothing acked before or during an upgrade is lost (README "The ack is one Redis round trip").
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IntakeHandler, IntakeItem, IntakePlatform } from './core/intake.js';
import type { Logger } from './logger.js';
import { handleItem } from './intake-worker.js';

const LEFT = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
/** How long after start the old queue is watched (a rolling upgrade is over by then). */
const WATCH_MS = 15 * 60_000;
const EVERY_MS = 5_000;

/** Watches the old queue; returns its closer at once (the first look happens in the background). Owns `connection`. */
export function drainLegacyIntake(options: {
  readonly connection: Redis;
  readonly prefix: string;
  readonly name: string;
  readonly log: Logger;
  readonly handlerOf: (platform: IntakePlatform) => IntakeHandler | undefined;
  readonly watchMs?: number;
  readonly everyMs?: number;
}): () => Promise<void> {
  const { connection, prefix, name, log } = options;
  const queue = new Queue<IntakeItem>(name, { connection, prefix });
  queue.on('error', () => undefined);
  let worker: Worker<IntakeItem> | undefined;
  let blocking: Redis | undefined;
  let looking = false;
  const until = Date.now() + (options.watchMs ?? WATCH_MS);
  const run = (job: Job<IntakeItem>) =>
    handleItem(options, job.data, { final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1), id: job.id ?? '' });
  const stopWorker = async () => {
    const [w, b] = [worker, blocking];
    [worker, blocking] = [undefined, undefined];
    await w?.close();
    await b?.quit().catch(() => undefined);
  };
  const look = async () => {
    if (looking) return;
    looking = true;
    try {
      // An error (Redis away) is "not known": looked at again on the next tick.
      const counts = await queue.getJobCounts(...LEFT);
      const left = Object.values(counts).reduce((sum, n) => sum + n, 0);
      if (left > 0 && !worker) {
        log.warn({ queue: name, left }, 'requests acked by the previous release are still queued: running them');
        blocking = connection.duplicate({ maxRetriesPerRequest: null });
        worker = new Worker<IntakeItem>(name, run, { connection: blocking, prefix, concurrency: 8 });
        worker.on('error', () => undefined);
      } else if (left === 0 && worker) {
        log.info({ queue: name }, "the previous release's intake queue is empty");
        await stopWorker();
      }
      if (Date.now() > until && !worker) await close();
    } catch {
      // next tick
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), options.everyMs ?? EVERY_MS);
  timer.unref();
  void look();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await stopWorker();
    await queue.close().catch(() => undefined);
    await connection.quit().catch(() => undefined);
  };
  return close;
}
