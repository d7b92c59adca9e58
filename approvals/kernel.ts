// What every approvals operation shares: its dependencies, the lease that serialises the steps of one request
// (audit record first, then one conditional update), denials that are explained and audited, and thread posts.
import { randomUUID } from 'node:crypto';
import { jobIdForApproval, type JobData, type JobSubmitter } from '../bot/core/jobs.js';
import type { AuditTrail } from '../audit/trail.js';
import { auditActorOf, type AuditActor, type AuditEventInput } from '../audit/types.js';
import { AuditUnavailableError, type Refusal } from '../bot/core/errors.js';
import type { ChatPort } from '../bot/core/ports.js';
import type { TenantRegistry } from '../bot/core/registry.js';
import type { Actor, Reply, Tenant } from '../bot/core/types.js';
import type { TicketPort } from '../bot/core/ticket.port.js';
import type { VcsPort } from '../bot/core/vcs.port.js';
import type { Logger } from '../bot/core/logger.js';
import { cardReply } from './card.js';
import type { ApprovalRecord, ApprovalStore, Change, LeasePurpose } from './store.js';

export interface ApprovalDeps {
  readonly store: ApprovalStore;
  readonly audit: AuditTrail;
  readonly registry: TenantRegistry;
  readonly queue: JobSubmitter;
  readonly chat: ChatPort;
  /** Read at use time: the GitHub module may be set up after this one. */
  readonly vcs: () => VcsPort | undefined;
  /** Read at use time too: implement approvals digest the ticket's text. */
  readonly tickets?: () => TicketPort | undefined;
  readonly log: Logger;
  readonly now: () => Date;
  /** Schedules the expiry of a request (a delayed BullMQ job). */
  readonly scheduleExpiry: (tenantId: string, approvalId: string, at: Date) => Promise<void>;
  readonly leaseMs?: number;
}

export type Denied = { ok: false; refusal: Refusal };

export const SYSTEM_ACTOR: AuditActor = { platform: 'system' };

export type LeaseResult<T> = { leased: true; value: T } | { leased: false; record: ApprovalRecord | undefined; busy: boolean };

/**
 * Runs `work` while holding the request's lease. Another holder → short jittered retries; the request gone or no
 * longer pending (or follow-up no longer open) → `leased: false` with the record as it is now.
 */
export async function withLease<T>(deps: ApprovalDeps, tenantId: string, id: string, purpose: LeasePurpose, work: (record: ApprovalRecord, holder: string) => Promise<T>): Promise<LeaseResult<T>> {
  const holder = randomUUID();
  const deadline = Date.now() + 8_000;
  for (;;) {
    const record = await deps.store.lease(tenantId, id, purpose, holder, deps.leaseMs ?? 10_000, deps.now().getTime());
    if (record) {
      try {
        return { leased: true, value: await work(record, holder) };
      } finally {
        await deps.store.release(tenantId, id, holder).catch(() => undefined);
      }
    }
    const current = await deps.store.get(tenantId, id);
    const open = current && (purpose === 'decide' ? current.state === 'pending' : current.breakGlass?.followUp === 'open');
    if (!open || Date.now() > deadline) return { leased: false, record: current, busy: Boolean(open) };
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(Math.random() * 12)));
  }
}

/** Appends an audit record; a failure becomes a refusal the person sees ("nothing was done"). */
export async function record(deps: ApprovalDeps, input: AuditEventInput): Promise<Denied | undefined> {
  try {
    await deps.audit.append(input);
    return undefined;
  } catch (error) {
    deps.log.error({ err: error, action: input.action }, 'audit append failed: the approval step was not taken');
    const message = error instanceof AuditUnavailableError ? error.message : new AuditUnavailableError(error).message;
    return { ok: false, refusal: { code: 'audit.unavailable', message } };
  }
}

/**
 * Applies a change whose audit record is already appended. When the lease lapsed meanwhile (another holder, or the
 * request changed), nothing changes, and a compensating `approval.aborted` record says that the step recorded just
 * before did not take effect.
 */
export async function commitOrAbort(deps: ApprovalDeps, rec: ApprovalRecord, holder: string, change: Change, actor: AuditActor, step: string, correlationId: string): Promise<ApprovalRecord | undefined> {
  const updated = await deps.store.commit(rec.tenantId, rec.id, holder, change);
  if (updated) return updated;
  deps.log.warn({ approvalId: rec.id, step }, 'approval step recorded but not applied (lease lapsed); recording approval.aborted');
  await record(deps, { tenantId: rec.tenantId, action: 'approval.aborted', actor, target: rec.id, outcome: 'failure', details: { approvalId: rec.id, step }, correlationId });
  return undefined;
}

/** A refusal, explained to the person and recorded as a denied attempt. */
export async function deny(deps: ApprovalDeps, actor: Actor, approvalId: string, code: string, message: string, correlationId: string): Promise<Denied> {
  const failed = await record(deps, { tenantId: actor.tenantId, action: 'approval.denied', actor: auditActorOf(actor), target: approvalId, outcome: 'denied', details: { approvalId, code }, correlationId });
  return failed ?? { ok: false, refusal: { code, message } };
}

export async function post(deps: ApprovalDeps, thread: ApprovalRecord['thread'], reply: Reply): Promise<void> {
  await deps.chat.post(thread, reply).catch((err: unknown) => deps.log.warn({ err, key: reply.key }, 'could not post to the approval thread'));
}

export async function postCard(deps: ApprovalDeps, rec: ApprovalRecord, tenant: Tenant, note?: string): Promise<void> {
  await post(deps, rec.thread, cardReply(rec, tenant));
  if (note) await post(deps, rec.thread, { text: note, kind: 'answer' });
}

/** Queues the job of an approved request exactly once: the job id derives from the request id. */
export async function enqueueApproved(deps: ApprovalDeps, rec: ApprovalRecord, actor: AuditActor): Promise<string> {
  const jobId = jobIdForApproval(rec.kind, rec.tenantId, rec.id);
  const b = rec.binding;
  const data: JobData = {
    v: 1,
    kind: rec.kind,
    tenantId: rec.tenantId,
    requester: { memberId: rec.requester.memberId, platform: rec.requester.platform, platformUserId: rec.requester.platformUserId },
    command: rec.command,
    thread: rec.thread,
    correlationId: rec.correlationId,
    deliveryId: rec.deliveryId,
    approvalId: rec.id,
    ...(rec.targetDigest ? { targetDigest: rec.targetDigest } : {}),
    ...(b?.sha && rec.kind === 'deploy' ? { commitSha: b.sha } : {}),
    ...(b?.waiveStatusChecks && rec.kind === 'deploy' ? { waiveStatusChecks: true } : {}),
    ...(b?.writePaths && rec.kind === 'implement' ? { writePaths: [...b.writePaths] } : {}),
  };
  await deps.audit.append({ tenantId: rec.tenantId, action: 'job.queued', actor, target: jobId, outcome: 'success', details: { kind: rec.kind, approvalId: rec.id }, correlationId: rec.correlationId });
  await deps.queue.submitJob(jobId, data);
  await deps.store.markQueued(rec.tenantId, rec.id, jobId);
  return jobId;
}
