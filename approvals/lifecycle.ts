// The other ways a request leaves `pending`: expiry (a delayed job per request), voiding when the target moved,
// cancellation by someone the rule allows. Each is one transition (transition.ts): lease, audit record first, then
// one conditional update, then the outcome in the thread.
import type { ApprovalCard, StaleTarget } from '../bot/core/approvals.port.js';
import { refuse, refused } from '../bot/core/outcome.js';
import type { Actor, Tenant } from '../bot/core/types.js';
import { auditActorOf } from '../audit/types.js';
import { deny } from './audited.js';
import { toCard } from './card.js';
import { SYSTEM_ACTOR, type ApprovalDeps, type Denied } from './deps.js';
import { currentDigest } from './digest.js';
import type { ApprovalRecord } from './store.js';
import { filingOf, headDigest, headOf, ticketDigest } from './target.js';
import { transition, type Plan, type Step } from './transition.js';

/**
 * Expiry of a leased request (its time is up). `outcome` is told the updated record, or undefined when nothing changed.
 */
export function expiryStep<T>(
  deps: ApprovalDeps,
  rec: ApprovalRecord,
  tenant: Tenant,
  outcome: (updated: ApprovalRecord | undefined) => T | Promise<T>,
): Step<T> {
  return {
    name: 'expire',
    audit: {
      tenantId: rec.tenantId,
      action: 'approval.expired',
      actor: SYSTEM_ACTOR,
      target: rec.id,
      outcome: 'info',
      details: { approvalId: rec.id },
      correlationId: rec.correlationId,
    },
    change: { state: 'expired', endReason: 'expired', closedAt: deps.now().toISOString() },
    card: tenant,
    after: async (updated) => ({
      result: await outcome(updated),
      notes: [
        {
          text:
            `⌛ Request ${rec.id} (${rec.summary}) expired at ${rec.expiresAt} without the approvals it needed; ` +
            `it will not run.`,
          kind: 'answer',
        },
      ],
    }),
    lapsed: () => outcome(undefined),
    unrecorded: () => outcome(undefined),
  };
}

/** The expiry job's work: expires the request if it is still pending and its time is up. */
export async function expire(
  deps: ApprovalDeps,
  tenantId: string,
  id: string,
): Promise<'expired' | 'not_due' | 'not_pending'> {
  const tenant = deps.registry.get(tenantId);
  if (!tenant) return 'not_pending';
  const result = await transition(deps, { tenantId, id, purpose: 'decide' }, (rec) => {
    if (deps.now().getTime() < Date.parse(rec.expiresAt)) return { stay: 'not_due' as const };
    return expiryStep(deps, rec, tenant, (updated) => (updated ? ('expired' as const) : ('not_pending' as const)));
  });
  if (result.leased) return result.value;
  if (result.busy) throw new Error(`approval ${id} is leased; expiry retried`);
  return 'not_pending';
}

/** Voiding a leased request whose target moved (`note` says how). `outcome` as for expiryStep. */
export function voidStep<T>(
  deps: ApprovalDeps,
  rec: ApprovalRecord,
  tenant: Tenant,
  note: string,
  outcome: (updated: ApprovalRecord | undefined) => T | Promise<T>,
): Step<T> {
  return {
    name: 'void',
    audit: {
      tenantId: rec.tenantId,
      action: 'approval.voided',
      actor: SYSTEM_ACTOR,
      target: rec.id,
      outcome: 'info',
      details: { approvalId: rec.id },
      correlationId: rec.correlationId,
    },
    change: { state: 'cancelled', endReason: 'voided', closedAt: deps.now().toISOString(), note },
    card: tenant,
    after: async (updated) => ({
      result: await outcome(updated),
      notes: [
        {
          text:
            `♻️ Request ${rec.id} (${rec.summary}) is void: ${note}. Approvals count only for what will run; ` +
            `ask again.`,
          kind: 'answer',
        },
      ],
    }),
    lapsed: () => outcome(undefined),
    unrecorded: () => outcome(undefined),
  };
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
export async function voidStale(
  deps: ApprovalDeps,
  tenantId: string,
  target: StaleTarget,
  reason: string,
): Promise<ApprovalCard[]> {
  const tenant = deps.registry.get(tenantId);
  if (!tenant) return [];
  const isPr = 'headSha' in target;
  const filed = filingOf(target);
  const voided: ApprovalCard[] = [];
  for (const rec of await deps.store.listPendingByTarget(tenantId, filed.key)) {
    if (!rec.voidOnTargetChange) continue;
    const now = isPr ? filed.digest : await ticketNow(deps, tenant, rec, target);
    const approvedAt = isPr ? headDigest(rec.binding?.sha ?? headOf(rec.targetDigest) ?? '') : rec.targetDigest;
    if (now === undefined || now === approvedAt) continue;
    const how = isPr
      ? `approved at ${(headOf(approvedAt) ?? '').slice(0, 7)}, head now ${target.headSha.slice(0, 7)}`
      : 'its text changed since it was requested';
    const result = await transition(deps, { tenantId, id: rec.id, purpose: 'decide' }, (leased) =>
      voidStep(deps, leased, tenant, `${reason} (${how})`, (updated) => updated),
    );
    if (result.leased && result.value) voided.push(toCard(result.value, tenant));
  }
  return voided;
}

async function ticketNow(
  deps: ApprovalDeps,
  tenant: Tenant,
  rec: ApprovalRecord,
  target: Extract<StaleTarget, { ticket: string }>,
): Promise<string | undefined> {
  if (rec.command.name !== 'implement') return undefined;
  if (target.content) return ticketDigest({ key: target.ticket, ...target.content }, rec.command.repo);
  const now = await currentDigest(tenant, rec.command, { vcs: deps.vcs(), tickets: deps.tickets?.() });
  return now.ok ? now.digest : undefined;
}

export type Done = { ok: true; message: string };

/** cancel <id>: the rule says who may (the requester, or members with the named roles). */
export async function cancel(
  deps: ApprovalDeps,
  actor: Actor,
  id: string,
  correlationId: string,
): Promise<Done | Denied> {
  const tenant = deps.registry.get(actor.tenantId);
  const member = deps.registry.memberById(actor.tenantId, actor.memberId);
  if (!tenant || !member) return deny(deps, actor, id, refuse('approval.not_found', { id }), correlationId);
  const result = await transition(
    deps,
    { tenantId: tenant.id, id, purpose: 'decide' },
    async (rec): Promise<Plan<Done | Denied>> => {
      const isRequester = rec.requester.memberId === member.id;
      const allowed =
        (isRequester && rec.cancel.includes('requester')) || member.roles.some((r) => rec.cancel.includes(r));
      if (!allowed)
        return {
          stay: await deny(
            deps,
            actor,
            id,
            refuse('approval.cancel_not_allowed', {
              id,
              rule: rec.rule,
              who: rec.cancel.join(' or '),
              roles: member.roles.join(', '),
            }),
            correlationId,
          ),
        };
      return {
        name: 'cancel',
        audit: {
          tenantId: tenant.id,
          action: 'approval.cancelled',
          actor: auditActorOf(actor),
          target: id,
          outcome: 'success',
          details: { approvalId: id },
          correlationId,
        },
        change: { state: 'cancelled', endReason: 'cancelled', closedAt: deps.now().toISOString(), closedBy: member.id },
        card: tenant,
        after: async () => ({
          result: { ok: true, message: `Cancelled request ${id} (${rec.summary}); it will not run.` },
        }),
        lapsed: () => refused('approval.busy', { id, moment: 'meanwhile' }),
        unrecorded: (refusal) => refusal,
      };
    },
  );
  if (result.leased) return result.value;
  if (!result.record)
    return deny(deps, actor, id, refuse('approval.not_found', { id, tenant: tenant.name }), correlationId);
  const state = result.busy ? 'being decided right now' : result.record.state;
  return deny(deps, actor, id, refuse('approval.not_pending', { id, state, stage: 'cancel' }), correlationId);
}
