// Expiry by a BullMQ delayed job per request, on the approvals' own queue. Every role can schedule; only the
// worker role consumes. The service also checks the expiry time on every decision, so a late timer never lets an
// expired request be approved.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../bot/core/logger.js';

export const EXPIRY_QUEUE = 'approvals-expiry';

interface ExpiryData {
  readonly tenantId: string;
  readonly approvalId: string;
}

export class ExpiryScheduler {
  readonly queue: Queue<ExpiryData>;
  private worker: Worker<ExpiryData> | undefined;
  private connection: Redis | undefined;

  constructor(
    connection: Redis,
    private readonly options: { prefix: string; redisUrl: string; log: Logger; name?: string },
  ) {
    this.queue = new Queue<ExpiryData>(options.name ?? EXPIRY_QUEUE, {
      connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', () => undefined);
  }

  async schedule(tenantId: string, approvalId: string, at: Date): Promise<void> {
    const delay = Math.max(0, at.getTime() - Date.now());
    await this.queue.add('expire', { tenantId, approvalId }, { jobId: `exp-${tenantId}-${approvalId}`, delay });
  }

  /** Schedules many at once (at start, from the durable store: a restored or fresh Redis has no timers). Job ids
   *  are deterministic, so a timer that already exists is left as it is. */
  async scheduleAll(requests: ReadonlyArray<{ tenantId: string; id: string; expiresAt: string }>): Promise<void> {
    for (let i = 0; i < requests.length; i += 500) {
      const chunk = requests.slice(i, i + 500);
      await this.queue.addBulk(
        chunk.map((r) => ({
          name: 'expire',
          data: { tenantId: r.tenantId, approvalId: r.id },
          opts: {
            jobId: `exp-${r.tenantId}-${r.id}`,
            delay: Math.max(0, new Date(r.expiresAt).getTime() - Date.now()),
          },
        })),
      );
    }
  }

  /** Worker role: expires requests when their time comes. */
  start(expire: (tenantId: string, approvalId: string) => Promise<string>): void {
    this.connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
    this.worker = new Worker<ExpiryData>(
      this.options.name ?? EXPIRY_QUEUE,
      async (job) => expire(job.data.tenantId, job.data.approvalId),
      { connection: this.connection, prefix: this.options.prefix, concurrency: 4 },
    );
    this.worker.on('error', (err) => this.options.log.warn({ err }, 'approval expiry worker error'));
    this.worker.on('failed', (job, err) =>
      this.options.log.warn({ err, approvalId: job?.data.approvalId }, 'approval expiry attempt failed'),
    );
  }

  async close(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.connection?.disconnect();
  }
}
