// The notification queue (BullMQ): fan-out of an audit record into deliveries, mail and webhook deliveries with
// exponential backoff for at least a day, the ordered drain of streaming endpoints, the daily digest; and the
// dead-letter list where a delivery ends when its retries run out. Every outcome is recorded on the tenant's trail.
// The jobs and their retry policy are in jobs.ts, sending one delivery in send.ts; this file runs the queue.
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { AuditRecord } from '../../bot/core/audit.js';
import type { Logger } from '../../bot/core/logger.js';
import { eventsOf } from './events.js';
import { deliveryIdOf, fanout, preferenceOf, type Delivery, type MailJob, type WebhookJob } from './fanout.js';
import { digestMail } from './mail.js';
import { recordNotification } from './metrics.js';
import { msUntilQuietEnds, notificationsOf } from './settings.schema.js';
import type { DeadLetter } from './state.js';
import {
  attemptsFor,
  backoffDelay,
  NOTIFY_QUEUE,
  replayDeadLetters,
  type DrainJob,
  type NotifyJob,
  type RetryPolicy,
} from './jobs.js';
import { recordDelivery, sendMail, sendWebhook, tenantOf, type SendDeps } from './send.js';

export interface EngineDeps extends SendDeps {
  readonly connection: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly queueName?: string;
  readonly retry: RetryPolicy;
  readonly scrub: (text: string) => string;
  readonly log: Logger;
}

const DRAIN_BATCH = 200;

export class NotifyEngine {
  readonly queue: Queue<NotifyJob>;
  private worker: Worker<NotifyJob> | undefined;
  private workerConnection: Redis | undefined;
  private readonly attempts: number;

  constructor(private readonly deps: EngineDeps) {
    this.queue = new Queue<NotifyJob>(deps.queueName ?? NOTIFY_QUEUE, {
      connection: deps.connection,
      prefix: deps.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
    });
    this.queue.on('error', () => undefined);
    this.attempts = attemptsFor(deps.retry);
  }

  private get retryOptions() {
    return { attempts: this.attempts, backoff: { type: 'notify' } };
  }

  /** Any role: queue the fan-out of one stored audit record (once per record, whoever appended it). */
  async enqueueRecord(record: AuditRecord): Promise<void> {
    await this.queue.add(
      'fanout',
      { kind: 'fanout', record },
      {
        jobId: deliveryIdOf('fan', record.tenantId, String(record.seq)),
        attempts: 8,
        backoff: { type: 'exponential', delay: 200 },
      },
    );
  }

  async enqueue(d: Delivery): Promise<void> {
    if (d.job.kind === 'mail') {
      await this.queue.add('mail', d.job, {
        jobId: d.job.deliveryId,
        delay: 'delayMs' in d ? d.delayMs : 0,
        ...this.retryOptions,
      });
      return;
    }
    if ('ordered' in d && d.ordered) {
      await this.deps.state.pushOutbox(d.job.tenantId, d.job.endpointId, d.job);
      await this.kickDrain(d.job.tenantId, d.job.endpointId);
      return;
    }
    await this.queue.add('webhook', d.job, { jobId: d.job.deliveryId, ...this.retryOptions });
  }

  private async kickDrain(tenantId: string, endpointId: string): Promise<void> {
    await this.queue.add(
      'drain',
      { kind: 'drain', tenantId, endpointId },
      { jobId: deliveryIdOf('drain', tenantId, endpointId), ...this.retryOptions },
    );
  }

  /** Puts dead letters back on the queue as they were (same delivery ids: a receiver de-duplicates by webhook-id). */
  replay(entries: readonly DeadLetter[]): Promise<number> {
    return replayDeadLetters(this.queue, entries, this.deps.retry);
  }

  /** Worker role: consume. */
  start(): void {
    this.workerConnection = new Redis(this.deps.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => undefined);
    this.worker = new Worker<NotifyJob>(this.deps.queueName ?? NOTIFY_QUEUE, (job) => this.process(job), {
      connection: this.workerConnection,
      prefix: this.deps.prefix,
      concurrency: 4,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(this.deps.retry, attemptsMade) },
    });
    this.worker.on('error', (err) =>
      this.deps.log.warn({ err: { message: err.message } }, 'notification worker error'),
    );
    this.worker.on(
      'failed',
      (job, err) =>
        void this.failed(job, err).catch((e: unknown) =>
          this.deps.log.error({ err: e }, 'notification dead-letter failed'),
        ),
    );
    this.worker.on('completed', (job) => {
      const data = job.data;
      if (data.kind === 'drain')
        void this.deps.state
          .outboxLength(data.tenantId, data.endpointId)
          .then((n) => (n ? this.kickDrain(data.tenantId, data.endpointId) : undefined))
          .catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.workerConnection?.disconnect();
  }

  private async process(job: Job<NotifyJob>): Promise<unknown> {
    const data = job.data;
    switch (data.kind) {
      case 'fanout': {
        const tenant = tenantOf(this.deps, data.record.tenantId);
        for (const d of await fanout(eventsOf(data.record), tenant, this.deps.fanout)) await this.enqueue(d);
        return undefined;
      }
      case 'mail':
        return sendMail(this.deps, data, job.attemptsMade + 1);
      case 'webhook':
        return sendWebhook(this.deps, data, job.attemptsMade + 1);
      case 'drain':
        return this.drain(data, job.attemptsMade + 1);
      case 'digest':
        return this.digest(data.tenantId);
    }
  }

  /** Delivers a streaming endpoint's outbox in order: the head must succeed before the next is sent. */
  private async drain(job: DrainJob, attempt: number): Promise<void> {
    for (let i = 0; i < DRAIN_BATCH; i++) {
      const head = await this.deps.state.peekOutbox<WebhookJob>(job.tenantId, job.endpointId);
      if (!head) return;
      await sendWebhook(this.deps, head, attempt);
      await this.deps.state.popOutbox(job.tenantId, job.endpointId);
    }
  }

  /** The daily digest: one mail per person who chose `digest`, listing what waits for them. */
  async digest(onlyTenant?: string, now = this.deps.fanout.now()): Promise<number> {
    const approvals = this.deps.fanout.approvals();
    if (!approvals) return 0;
    let queued = 0;
    for (const tenant of this.deps.registry.list()) {
      if (onlyTenant ? tenant.id !== onlyTenant : notificationsOf(tenant).digestHour !== now.getUTCHours()) continue;
      if (!this.deps.fanout.smtpFor(tenant)) continue;
      for (const member of tenant.members) {
        const pref = await preferenceOf(tenant, member.id, this.deps.state);
        if (pref.channel !== 'digest' || !member.identities.email?.length) continue;
        const pending = await approvals.pendingFor(tenant.id, member.id);
        if (!pending.length) continue;
        const lines = pending.map((c) => ({
          id: c.id,
          summary: c.summary,
          requester: c.requester.name,
          expiresAt: c.expiresAt,
        }));
        const day = now.toISOString().slice(0, 10);
        const job: MailJob = {
          kind: 'mail',
          deliveryId: deliveryIdOf('digest', tenant.id, member.id, day),
          tenantId: tenant.id,
          memberId: member.id,
          eventId: `digest_${tenant.id}_${day}`,
          eventType: 'digest',
          content: digestMail(tenant.name, lines, this.deps.fanout.publicUrl, tenant.id),
        };
        await this.enqueue({ job, delayMs: msUntilQuietEnds(pref, now) });
        queued++;
      }
    }
    return queued;
  }

  /** Hourly: send the digests of the tenants whose digest hour it is. */
  async scheduleDigests(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'notify-digest',
      { pattern: '0 * * * *' },
      { name: 'digest', data: { kind: 'digest' } },
    );
  }

  private async failed(job: Job<NotifyJob> | undefined, err: Error): Promise<void> {
    if (!job || (await job.getState()) !== 'failed') return;
    const data = job.data;
    let entry: MailJob | WebhookJob | undefined;
    if (data.kind === 'mail' || data.kind === 'webhook') entry = data;
    if (data.kind === 'drain') {
      // The head gave up: it goes to the dead letters and the stream goes on with the next record. The failed drain
      // job is removed first, or its id would keep the next drain from being queued.
      entry = await this.deps.state.peekOutbox<WebhookJob>(data.tenantId, data.endpointId);
      if (entry) await this.deps.state.popOutbox(data.tenantId, data.endpointId);
      await job.remove().catch(() => undefined);
      await this.kickDrain(data.tenantId, data.endpointId);
    }
    if (!entry)
      return this.deps.log.warn(
        { kind: data.kind, err: { message: this.deps.scrub(err.message) } },
        'notification job failed',
      );
    const channel = entry.kind === 'mail' ? 'email' : 'webhook';
    const recipient = entry.kind === 'mail' ? entry.memberId : entry.endpointId;
    const eventType = entry.kind === 'mail' ? entry.eventType : entry.event.type;
    const code = this.deps.scrub((err as { code?: string }).code ?? err.message.split(':')[0] ?? 'error').slice(0, 80);
    await this.deps.state.deadLetter({
      deliveryId: entry.deliveryId,
      channel,
      tenantId: entry.tenantId,
      recipient,
      eventType,
      failedAt: new Date().toISOString(),
      attempts: job.attemptsMade,
      code,
      job: entry,
    });
    recordNotification(channel, 'dead');
    await recordDelivery(
      this.deps.audit,
      entry.tenantId,
      'notify.failed',
      'failure',
      { channel, recipient, eventType, deliveryId: entry.deliveryId, attempts: job.attemptsMade, code },
      entry.kind === 'mail' ? entry.eventId : entry.event.id,
    );
  }
}
