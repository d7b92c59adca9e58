// What a job leaves behind at each step of its life: the audit record (before the step's effect: no side effect
// without its record) and the line in its originating thread (one message per job, coalesced: bot/core/coalesce.ts).
// The worker (worker.ts) decides when; this says what, so that every outcome is recorded and told the same way.
import type { Job } from 'bullmq';
import { auditActorOf, type AuditEventInput, type AuditLog } from '../bot/core/audit.js';
import type { CoalescingChat } from '../bot/core/coalesce.js';
import type { JobData } from '../bot/core/jobs.js';
import type { Logger } from '../bot/core/logger.js';
import type { Reply } from '../bot/core/types.js';

export type AuditBase = Omit<AuditEventInput, 'action' | 'outcome' | 'details'>;

export function progressBar(fraction: number, width = 10): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${Math.round(f * 100)}%`;
}

/** No retry follows this failure: the error says so, or this was the last attempt. */
export function isFinalAttempt(job: Job<JobData>, error: unknown): boolean {
  return (
    (error as { name?: string } | undefined)?.name === 'UnrecoverableError' ||
    job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
  );
}

export function auditBaseOf(data: JobData, jobId: string): AuditBase {
  return {
    tenantId: data.tenantId,
    actor: auditActorOf(data.requester),
    target: jobId,
    correlationId: data.correlationId,
  };
}

export class JobLifecycle {
  constructor(
    private readonly audit: AuditLog,
    private readonly chat: CoalescingChat,
    private readonly scrub: (text: string) => string,
    private readonly log: Logger,
  ) {}

  /** Posts a line under the job's key (progress lines are coalesced, answers always delivered); never throws. */
  reply(data: JobData, jobId: string, text: string, kind: Reply['kind'] = 'progress'): Promise<void> {
    return this.chat.post(data.thread, { text: this.scrub(text), key: `job:${jobId}`, kind }).catch((err: unknown) => {
      this.log.warn({ err, jobId }, 'could not post job progress to the thread');
    });
  }

  /** A job handed back to the queue at shutdown: recorded and told (best effort: the job itself is safe). */
  async returned(data: JobData, jobId: string): Promise<void> {
    await this.audit
      .append({
        ...auditBaseOf(data, jobId),
        action: 'job.deferred',
        outcome: 'info',
        details: { kind: data.kind, reason: 'shutdown' },
      })
      .catch((err: unknown) => this.log.error({ err, jobId }, 'could not record the returned job in the audit trail'));
    await this.reply(
      data,
      jobId,
      `⏸️ ${data.kind} paused: this worker is shutting down; the job is back in the queue and resumes on another ` +
        `worker.`,
    );
  }

  /** The last-moment gate refused the job: recorded (a failed append throws: the caller must not go on), told. */
  async refused(data: JobData, jobId: string, base: AuditBase, refusal: { code: string; message: string }) {
    await this.audit.append({
      ...base,
      action: 'job.failed',
      outcome: 'denied',
      details: { kind: data.kind, code: refusal.code },
    });
    await this.reply(data, jobId, `⛔ ${data.kind} did not run: ${refusal.message}`, 'refusal');
  }

  /** An attempt failed: on the last attempt the failure is recorded and told as the answer; otherwise a retry line. */
  async failed(job: Job<JobData>, data: JobData, error: unknown, base: AuditBase, log: Logger): Promise<void> {
    const jobId = job.id ?? 'unknown';
    const err = error as Error;
    const attempt = job.attemptsMade + 1;
    const final = isFinalAttempt(job, error);
    const reason = this.scrub(String(err?.message ?? error)).slice(0, 300);
    log.warn({ err, final, attempt }, 'job attempt failed');
    if (!final) {
      const attempts = job.opts.attempts ?? 1;
      const text = `⚠️ ${data.kind} attempt ${attempt} of ${attempts} failed (${reason}); retrying with backoff.`;
      return this.reply(data, jobId, text);
    }
    await this.audit
      .append({
        ...base,
        action: 'job.failed',
        outcome: 'failure',
        details: { kind: data.kind, attempts: attempt, code: (err as { code?: string })?.code ?? err?.name ?? 'error' },
      })
      .catch((auditErr: unknown) =>
        log.error({ err: auditErr }, 'could not record the job failure in the audit trail'),
      );
    await this.reply(data, jobId, `❌ ${data.kind} failed after ${attempt} attempt(s): ${reason}`, 'answer');
  }
}
