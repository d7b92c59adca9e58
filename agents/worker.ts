// The consumer side of the job pipeline: one BullMQ Worker, one processor per job kind. Around every processor:
// per-tenant/per-person slots, the last-moment gate (approvals re-check), audit records before and after, and
// progress and results posted back to the originating thread.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CoalescingChat } from '../bot/core/coalesce.js';
import type { ChatPort } from '../bot/core/ports.js';
import type { TenantRegistry } from '../bot/core/registry.js';
import type { Tenant } from '../bot/core/types.js';
import { lazyChild, type Logger } from '../bot/core/logger.js';
import type { AuditLog } from '../bot/core/audit.js';
import {
  JOB_QUEUE,
  parseJobData,
  type JobData,
  type JobKind,
  type JobResult,
  type JobSlotsPort,
  type Processor,
  type ProcessorContext,
  type RunGate,
} from '../bot/core/jobs.js';
import { metrics, type JobOutcome } from '../bot/core/metrics.js';
import { SpanKind, contextFrom, withSpan } from '../bot/core/trace.js';
import { auditBaseOf, isFinalAttempt, JobLifecycle, progressBar } from './job-lifecycle.js';

export type { JobResult, JobSlotsPort, Processor, ProcessorContext, RunGate, SlotVerdict } from '../bot/core/jobs.js';
export { progressBar } from './job-lifecycle.js';

export interface JobWorkerOptions {
  /** Needs `maxRetriesPerRequest: null` (BullMQ). */
  readonly connection: Redis;
  readonly prefix: string;
  readonly name?: string;
  readonly concurrency: number;
  readonly processors: ReadonlyMap<JobKind, Processor>;
  readonly chat: ChatPort;
  /** A job's progress message is written at most once per this many milliseconds (VOID_PROGRESS_INTERVAL_MS). */
  readonly progressIntervalMs?: number;
  readonly audit: AuditLog;
  readonly registry: TenantRegistry;
  readonly slots: JobSlotsPort;
  readonly log: Logger;
  readonly gate?: RunGate;
  /** Removes secrets from text shown to people. */
  readonly scrub?: (text: string) => string;
  readonly lockDurationMs?: number;
  /** How often stalled jobs (their worker died or lost Redis) are looked for; BullMQ's default is 30 s. */
  readonly stalledIntervalMs?: number;
}

export class JobWorker {
  private worker: Worker<JobData> | undefined;
  private readonly scrub: (text: string) => string;
  /** Jobs this worker is running, with their lock tokens: returned to the queue when shutdown outlasts the grace. */
  private readonly inFlight = new Map<string, { job: Job<JobData>; token: string | undefined; started: number }>();

  /** Job progress goes through this: at most one write per job message per interval, the final state always. */
  private readonly chat: CoalescingChat;
  /** The audit record and the thread's line of every step (job-lifecycle.ts). */
  private readonly lifecycle: JobLifecycle;

  constructor(private readonly options: JobWorkerOptions) {
    this.scrub = options.scrub ?? ((t) => t);
    this.chat = new CoalescingChat(options.chat, {
      windowMs: options.progressIntervalMs ?? 1000,
      onError: (err, key) => options.log.warn({ err, key }, 'could not post job progress to the thread'),
    });
    this.lifecycle = new JobLifecycle(options.audit, this.chat, this.scrub, options.log);
  }

  start(): Worker<JobData> {
    const worker = new Worker<JobData>(this.options.name ?? JOB_QUEUE, (job, token) => this.track(job, token), {
      connection: this.options.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      autorun: true,
    });
    worker.on('error', (err) => this.options.log.error({ err }, 'worker connection error'));
    this.worker = worker;
    return worker;
  }

  /** Finishes in-flight jobs within the grace period; past it, they are returned to the queue (stalled → retried). */
  async close(graceMs: number): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    let timer: NodeJS.Timeout | undefined;
    const graceful = worker.close().then(() => 'closed' as const);
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const result = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.options.log.warn(
        { graceMs, jobs: this.inFlight.size },
        'in-flight jobs did not finish within the grace period; returning them to the queue',
      );
      // worker.close(true) would await the same pending close; hand each job back explicitly instead.
      worker.cancelAllJobs('shutdown');
      await Promise.all([...this.inFlight.keys()].map((id) => this.returnToQueue(id)));
    }
    await this.chat.flushAll();
  }

  /** Moves a running job back to the wait list (the next worker picks it up), and says so in its thread and trail. */
  private async returnToQueue(jobId: string): Promise<void> {
    const entry = this.inFlight.get(jobId);
    if (!entry) return;
    this.inFlight.delete(jobId);
    const { job, token, started } = entry;
    try {
      await job.moveToWait(token);
      metrics.recordJob(job.data.kind, 'returned', (performance.now() - started) / 1000);
      await this.lifecycle.returned(job.data, jobId);
    } catch (err) {
      this.options.log.error(
        { err, jobId },
        'could not return the job to the queue; it is retried once its lock expires',
      );
    }
  }

  /** Runs one job inside a trace span (continuing the request's trace from the job data) and counts its outcome. */
  private async track(job: Job<JobData>, token?: string): Promise<JobResult> {
    const jobId = job.id ?? 'unknown';
    const kind = typeof job.data?.kind === 'string' ? job.data.kind : 'unknown';
    const started = performance.now();
    this.inFlight.set(jobId, { job, token, started });
    let outcome: JobOutcome = 'failed';
    try {
      const span = {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(job.data?.trace),
        attributes: { 'void.job_id': jobId, 'void.job_kind': kind, 'void.attempt': job.attemptsMade + 1 },
      };
      const result = await withSpan(`void.job ${kind}`, span, () => this.run(job, token));
      outcome = 'completed';
      return result;
    } catch (error) {
      const err = error as { name?: string; refused?: boolean };
      outcome =
        err?.name === 'DelayedError'
          ? 'deferred'
          : err?.refused
            ? 'refused'
            : isFinalAttempt(job, error)
              ? 'failed'
              : 'retried';
      throw error;
    } finally {
      if (this.inFlight.delete(jobId)) metrics.recordJob(kind, outcome, (performance.now() - started) / 1000);
    }
  }

  private reply(data: JobData, jobId: string, text: string): Promise<void> {
    return this.lifecycle.reply(data, jobId, text);
  }

  private async run(job: Job<JobData>, token?: string): Promise<JobResult> {
    const jobId = job.id ?? 'unknown';
    const parsed = parseJobData(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`job.bad_data: ${parsed.error.issues[0]?.message ?? 'invalid job data'}`);
    const data = parsed.data;
    // Made when first used (a job that logs nothing makes no pino child: its bindings serialised per job).
    const log = lazyChild(this.options.log, {
      tenant: data.tenantId,
      jobId,
      kind: data.kind,
      correlationId: data.correlationId,
    });
    const tenant = this.options.registry.get(data.tenantId);
    if (!tenant) throw new UnrecoverableError(`job.unknown_tenant: tenant ${data.tenantId} is no longer configured`);
    const processor = this.options.processors.get(data.kind);
    if (!processor)
      throw new UnrecoverableError(`job.no_processor: no agent handles ${data.kind} jobs in this deployment`);

    const slot = await this.options.slots.acquire(tenant.id, data.requester.memberId, jobId, tenant.limits);
    if (slot !== 'acquired') {
      const wait = 1000 + Math.floor(Math.random() * 2000);
      log.debug({ slot, wait }, 'concurrency limit reached; job deferred');
      if (job.attemptsMade === 0 && !job.progress) {
        await job.updateProgress({ waiting: slot });
        const who =
          slot === 'tenant_busy'
            ? `${tenant.name} already has ${tenant.limits.concurrentJobs} jobs running`
            : `you already have ${tenant.limits.memberConcurrentJobs} jobs running`;
        await this.reply(data, jobId, `⏳ ${data.kind} is queued: ${who}; it starts when one finishes.`);
      }
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }
    const renew = setInterval(
      () => {
        void this.options.slots.renew(tenant.id, data.requester.memberId, jobId).catch(() => undefined);
      },
      Math.max(1000, this.options.slots.leaseMs / 3),
    );
    try {
      return await this.execute(job, data, tenant, processor, log);
    } finally {
      // The slot is not released here: it is free once BullMQ drops the job's lock as it finishes (agents/slots.ts).
      clearInterval(renew);
    }
  }

  private async execute(
    job: Job<JobData>,
    data: JobData,
    tenant: Tenant,
    processor: Processor,
    log: Logger,
  ): Promise<JobResult> {
    const jobId = job.id ?? 'unknown';
    const audit = this.options.audit;
    const base = auditBaseOf(data, jobId);
    const refusal = this.options.gate ? await this.options.gate(data, tenant) : undefined;
    if (refusal) {
      await this.lifecycle.refused(data, jobId, base, refusal);
      throw Object.assign(new UnrecoverableError(`${refusal.code}: ${refusal.message}`), { refused: true });
    }
    const attempt = job.attemptsMade + 1;
    const details = { kind: data.kind, attempt, approvalId: data.approvalId };
    try {
      // No side effect without its audit record: if the trail cannot be written, the agent does not run.
      await audit.append({ ...base, action: 'job.started', outcome: 'pending', details });
    } catch (error) {
      await this.lifecycle.failed(job, data, error, base, log);
      throw error;
    }
    await this.reply(data, jobId, `▶️ ${data.kind} started (job ${jobId}${attempt > 1 ? `, attempt ${attempt}` : ''})`);
    const ctx: ProcessorContext = {
      data,
      jobId,
      attempt,
      tenant,
      log,
      progress: async (step, fraction) => {
        await job.updateProgress({ step, fraction });
        await this.reply(data, jobId, `🔄 ${data.kind}: ${step} ${progressBar(fraction)}`);
      },
    };
    try {
      const result = await processor(ctx);
      await audit.append({ ...base, action: 'job.completed', outcome: 'success', details });
      const link = result.link ? `\n${result.link}` : '';
      await this.lifecycle.reply(data, jobId, `✅ ${data.kind} done: ${result.summary}${link}`, 'answer');
      return result;
    } catch (error) {
      await this.lifecycle.failed(job, data, error, base, log);
      throw error;
    }
  }
}
