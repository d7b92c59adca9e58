// The other ways a request leaves `pending`: expiry (a delayed job per request), voiding when the target moved,
// cancellation by someone the rule allows. Each: lease, audit record first, then one conditional update, then
// the outcome in the thread.
import type { ApprovalCard, StaleTarget } from '../bot/core/approvals.port.js';
import type { Actor, Tenant } from '../bot/core/types.js';
import { auditActorOf } from '../audit/types.js';
import { toCard } from './card.js';
import { currentDigest, ticketDigest } from './digest.js';
import { commitOrAbort, deny, postCard, record, SYSTEM_ACTOR, withLease, type ApprovalDeps, type Denied } from './kernel.js';
import { pullRequestKey } from './policy.js';
import type { ApprovalRecord } from './store.js';

/** Expires a leased request (its time is up). Returns the updated record, or undefined when nothing changed. */
export async function expireLeased(deps: ApprovalDeps, rec: ApprovalRecord, holder: string, tenant: Tenant): Promise<ApprovalRecord | undefined> {
  const failed = await record(deps, { tenantId: rec.tenantId, action: 'approval.expired', actor: SYSTEM_ACTOR, target: rec.id, outcome: 'info', details: { approvalId: rec.id }, correlationId: rec.correlationId });
  if (failed) return undefined;
  const updated = await commitOrAbort(deps, rec, holder, { state: 'expired', endReason: 'expired', closedAt: deps.now().toISOString() }, SYSTEM_ACTOR, 'expire', rec.correlationId);
  if (updated) await postCard(deps, updated, tenant, `⌛ Request ${rec.id} (${rec.summary}) expired at ${rec.expiresAt} without the approvals it needed; it will not run.`);
  return updated;
}

/** The expiry job's work: expires the request if it is still pending and its time is up. */
export async function expire(deps: ApprovalDeps, tenantId: string, id: string): Promise<'expired' | 'not_due' | 'not_pending'> {
  const tenant = deps.registry.get(tenantId);
  if (!tenant) return 'not_pending';
  const result = await withLease(deps, tenantId, id, 'decide', async (rec, holder) => {
    if (deps.now().getTime() < Date.parse(rec.expiresAt)) return 'not_due' as const;
    return (await expireLeased(deps, rec, holder, tenant)) ? ('expired' as const) : ('not_pending' as const);
  });
  if (result.leased) return result.value;
  if (result.busy) throw new Error(`approval ${id} is leased; expiry retried`);
  return 'not_pending';
}

export async function voidLeased(deps: ApprovalDeps, rec: ApprovalRecord, holder: string, tenant: Tenant, note: string): Promise<ApprovalRecord | undefined> {
  const failed = await record(deps, { tenantId: rec.tenantId, action: 'approval.voided', actor: SYSTEM_ACTOR, target: rec.id, outcome: 'info', details: { approvalId: rec.id }, correlationId: rec.correlationId });
  if (failed) return undefined;
  const updated = await commitOrAbort(deps, rec, holder, { state: 'cancelled', endReason: 'voided', closedAt: deps.now().toISOString(), note }, SYSTEM_ACTOR, 'void', rec.correlationId);
  if (updated) await postCard(deps, updated, tenant, `♻️ Request ${rec.id} (${rec.summary}) is void: ${note}. Approvals count only for what will run; ask again.`);
  return updated;
}

/**
 * What moved, in the caller's terms; approvals alone turns it into keys and digests.
 * - a pull request got a new head commit: `{ repo, number, headSha }` voids the requests filed under that pull
 *   request (reviews of it, deploys asked for in it) that were approved against another commit;
 * - a ticket was edited: `{ ticket }` (with its new `content` when the caller has it; else it is read) voids the
 *   `implement` requests whose ticket digest no longer matches.
 */
export type { StaleTarget };

/** Voids the pending requests whose target moved away from what they were approved for. */
export async function voidStale(deps: ApprovalDeps, tenantId: string, target: StaleTarget, reason: string): Promise<ApprovalCard[]> {
  const tenant = deps.registry.get(tenantId);
  if (!tenant) return [];
  const isPr = 'headSha' in target;
  const key = isPr ? pullRequestKey(target.repo, target.number) : target.ticket;
  const voided: ApprovalCard[] = [];
  for (const rec of await deps.store.listPendingByTarget(tenantId, key)) {
    if (!rec.voidOnTargetChange) continue;
    const now = isPr ? `sha:${target.headSha}` : await ticketNow(deps, tenant, rec, target);
    const approvedAt = isPr ? `sha:${rec.binding?.sha ?? rec.targetDigest?.replace(/^sha:/, '')}` : rec.targetDigest;
    if (now === undefined || now === approvedAt) continue;
    const result = await withLease(deps, tenantId, rec.id, 'decide', (leased, holder) =>
      voidLeased(deps, leased, holder, tenant, `${reason} (${isPr ? `approved at ${(approvedAt ?? '').replace(/^sha:/, '').slice(0, 7)}, head now ${target.headSha.slice(0, 7)}` : 'its text changed since it was requested'})`),
    );
    if (result.leased && result.value) voided.push(toCard(result.value, tenant));
  }
  return voided;
}

async function ticketNow(deps: ApprovalDeps, tenant: Tenant, rec: ApprovalRecord, target: Extract<StaleTarget, { ticket: string }>): Promise<string | undefined> {
  if (rec.command.name !== 'implement') return undefined;
  if (target.content) return ticketDigest({ key: target.ticket, ...target.content }, rec.command.repo);
  const now = await currentDigest(tenant, rec.command, { vcs: deps.vcs(), tickets: deps.tickets?.() });
  return now.ok ? now.digest : undefined;
}

export type Done = { ok: true; message: string };

/** cancel <id>: the rule says who may (the requester, or members with the named roles). */
export async function cancel(deps: ApprovalDeps, actor: Actor, id: string, correlationId: string): Promise<Done | Denied> {
  const tenant = deps.registry.get(actor.tenantId);
  const member = deps.registry.memberById(actor.tenantId, actor.memberId);
  if (!tenant || !member) return deny(deps, actor, id, 'approval.not_found', `There is no request "${id}".`, correlationId);
  const result = await withLease(deps, tenant.id, id, 'decide', async (rec, holder): Promise<Done | Denied> => {
    const isRequester = rec.requester.memberId === member.id;
    const allowed = (isRequester && rec.cancel.includes('requester')) || member.roles.some((r) => rec.cancel.includes(r));
    if (!allowed) return deny(deps, actor, id, 'approval.cancel_not_allowed', `Rule "${rec.rule}" lets ${rec.cancel.join(' or ')} cancel ${id}; you are ${member.roles.join(', ')}.`, correlationId);
    const failed = await record(deps, { tenantId: tenant.id, action: 'approval.cancelled', actor: auditActorOf(actor), target: id, outcome: 'success', details: { approvalId: id }, correlationId });
    if (failed) return failed;
    const updated = await commitOrAbort(deps, rec, holder, { state: 'cancelled', endReason: 'cancelled', closedAt: deps.now().toISOString(), closedBy: member.id }, auditActorOf(actor), 'cancel', correlationId);
    if (!updated) return { ok: false, refusal: { code: 'approval.busy', message: `Request ${id} changed meanwhile; look at it again.` } };
    await postCard(deps, updated, tenant);
    return { ok: true, message: `Cancelled request ${id} (${rec.summary}); it will not run.` };
  });
  if (result.leased) return result.value;
  if (!result.record) return deny(deps, actor, id, 'approval.not_found', `There is no request "${id}" in ${tenant.name}.`, correlationId);
  return deny(deps, actor, id, 'approval.not_pending', `Request ${id} is ${result.busy ? 'being decided right now' : result.record.state}; it cannot be cancelled.`, correlationId);
}
