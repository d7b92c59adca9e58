// What goes on the notify queue (fan-out, mail, webhook, drain and digest jobs) and how a failed delivery is
// retried: exponential backoff for at least a day, then the dead-letter list, from where replayDeadLetters re-queues.
// Apart from the engine because the webhooks CLI queues replays with these alone, without an engine.
import { Queue } from 'bullmq';
import type { AuditRecord } from '../../bot/core/audit.js';
import { deliveryIdOf, type MailJob, type WebhookJob } from './fanout.js';
import type { DeadLetter } from './state.js';

export const NOTIFY_QUEUE = 'notify';

export interface RetryPolicy {
  /** First retry after this long, doubling each time… */
  readonly baseMs: number;
  /** …up to this gap between attempts… */
  readonly capMs: number;
  /** …until at least this long has passed since the first attempt (then: the dead-letter list). */
  readonly windowMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, capMs: 3_600_000, windowMs: 25 * 3_600_000 };

export const backoffDelay = (p: RetryPolicy, attemptsMade: number): number =>
  Math.min(p.baseMs * 2 ** Math.max(0, attemptsMade - 1), p.capMs);

/** Attempts whose backoff delays add up to at least the window. */
export function attemptsFor(p: RetryPolicy): number {
  let total = 0;
  let attempts = 1;
  while (total < p.windowMs) total += backoffDelay(p, attempts++);
  return attempts;
}

/** Re-queues dead letters (the CLI does this without a running engine; a worker of the deployment delivers them). */
export async function replayDeadLetters(
  queue: Queue<NotifyJob>,
  entries: readonly DeadLetter[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<number> {
  for (const e of entries) {
    const job = e.job as MailJob | WebhookJob;
    await queue.add(job.kind, job, {
      jobId: deliveryIdOf('replay', job.deliveryId, String(Date.now())),
      attempts: attemptsFor(retry),
      backoff: { type: 'notify' },
    });
  }
  return entries.length;
}

export type DrainJob = { kind: 'drain'; tenantId: string; endpointId: string };
type FanoutJob = { kind: 'fanout'; record: AuditRecord };
type DigestJob = { kind: 'digest'; tenantId?: string };
export type NotifyJob = FanoutJob | MailJob | WebhookJob | DrainJob | DigestJob;
