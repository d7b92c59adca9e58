// Every state change of a request is one transition, always in the same order: take the request's lease, append
// the audit record, commit one conditional update, then update the card in the thread. The callers (decide,
// expire, void, cancel, break-glass, acknowledge) only say what the step is, from the leased record as it is now.
import type { AuditEventInput } from '../audit/types.js';
import type { Reply, Tenant } from '../bot/core/types.js';
import { appendOrRefuse } from './audited.js';
import type { ApprovalDeps, Denied } from './deps.js';
import { withLease, type LeaseResult } from './lease.js';
import { post, postCard } from './thread.js';
import type { ApprovalRecord, Change, LeasePurpose } from './store.js';

/** A break-glass follow-up closed by a compliance officer (the `ack` lease); every other step is a Change. */
export interface Acknowledgement {
  readonly acknowledgedBy: string;
  readonly at: string;
}

/** One step, as the leased request decides it. */
export interface Step<T> {
  /** Named in the log and in the `approval.aborted` record when the lease lapsed before the commit. */
  readonly name: string;
  /** Appended before anything changes; if it cannot be, nothing changes. */
  readonly audit: AuditEventInput;
  readonly change: Change | Acknowledgement;
  /** The request's card is updated in its thread, in this tenant's words (absent: no card, e.g. an acknowledgement). */
  readonly card?: Tenant;
  /** After the commit, before the card: what follows from the change (queueing the job), the answer, and notes
   *  for the thread after the card. */
  readonly after: (updated: ApprovalRecord) => Promise<{ result: T; notes?: readonly Reply[] }>;
  /** The lease lapsed before the commit: nothing changed. */
  readonly lapsed: () => T | Promise<T>;
  /** The audit record could not be appended: nothing changed. */
  readonly unrecorded: (refusal: Denied) => T | Promise<T>;
}

/** No step: the leased request stays as it is (a refusal, or nothing due yet). */
export interface Stay<T> {
  readonly stay: T;
}

export type Plan<T> = Step<T> | Stay<T>;

/** A request whose lease this caller already holds (a decision that finds it expired or moved). */
export interface Held {
  readonly record: ApprovalRecord;
  readonly holder: string;
}

export interface LeaseKey {
  readonly tenantId: string;
  readonly id: string;
  readonly purpose: LeasePurpose;
}

type Planner<T> = (record: ApprovalRecord) => Plan<T> | Promise<Plan<T>>;

/** Takes the lease, then runs the planned step; `leased: false` when the request is gone, closed or busy. */
export function transition<T>(deps: ApprovalDeps, at: LeaseKey, plan: Planner<T>): Promise<LeaseResult<T>>;
/** Runs the planned step under a lease already held. */
export function transition<T>(deps: ApprovalDeps, at: Held, plan: Planner<T>): Promise<T>;
export async function transition<T>(
  deps: ApprovalDeps,
  at: LeaseKey | Held,
  plan: Planner<T>,
): Promise<LeaseResult<T> | T> {
  if ('holder' in at) return run(deps, at.record, at.holder, await plan(at.record));
  return withLease(deps, at.tenantId, at.id, at.purpose, async (record, holder) =>
    run(deps, record, holder, await plan(record)),
  );
}

async function run<T>(deps: ApprovalDeps, rec: ApprovalRecord, holder: string, plan: Plan<T>): Promise<T> {
  if ('stay' in plan) return plan.stay;
  const failed = await appendOrRefuse(deps, plan.audit);
  if (failed) return plan.unrecorded(failed);
  const updated = await commit(deps, rec, holder, plan);
  if (!updated) return plan.lapsed();
  const { result, notes = [] } = await plan.after(updated);
  if (plan.card) await postCard(deps, updated, plan.card);
  for (const note of notes) await post(deps, updated.thread, note);
  return result;
}

/**
 * Applies the change whose audit record is appended. When the lease lapsed meanwhile (another holder, or the request
 * changed), nothing changes, and a compensating `approval.aborted` record says that the step recorded just before
 * did not take effect.
 */
async function commit<T>(
  deps: ApprovalDeps,
  rec: ApprovalRecord,
  holder: string,
  step: Step<T>,
): Promise<ApprovalRecord | undefined> {
  const { change } = step;
  if ('acknowledgedBy' in change)
    return deps.store.acknowledge(rec.tenantId, rec.id, holder, change.acknowledgedBy, change.at);
  const updated = await deps.store.commit(rec.tenantId, rec.id, holder, change);
  if (updated) return updated;
  deps.log.warn(
    { approvalId: rec.id, step: step.name },
    'approval step recorded but not applied (lease lapsed); recording approval.aborted',
  );
  const { actor, correlationId } = step.audit;
  await appendOrRefuse(deps, {
    tenantId: rec.tenantId,
    action: 'approval.aborted',
    actor,
    target: rec.id,
    outcome: 'failure',
    details: { approvalId: rec.id, step: step.name },
    correlationId,
  });
  return undefined;
}
