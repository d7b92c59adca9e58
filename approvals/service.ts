// The approvals service: the one place where requests are opened and decided, whatever surface the click or the
// typed command came from. Separation of duties is checked here on every decision; the run gate checks it again
// just before the job runs (gate.ts).
import { createHash } from 'node:crypto';
import type { ApprovalCard, ApprovalsPort, DecisionOutcome, DecisionRequest } from '../bot/core/approvals.port.js';
import { describeCommand } from '../bot/core/grammar.js';
import { refuse, refused as refusedOutcome, type Refusal } from '../bot/core/outcome.js';
import type { Member, Tenant } from '../bot/core/types.js';
import { auditActorOf } from '../audit/types.js';
import type { GateDecision, JobRequest } from '../bot/core/commands.js';
import { cardReply, currentApprovers, toCard } from './card.js';
import { bindTarget, type DigestResult } from './digest.js';
import { allMet, countsFor, requirements, requesterGone } from './independence.js';
import { enqueueApproved } from './approved-job.js';
import { deny } from './audited.js';
import type { ApprovalDeps, Denied } from './deps.js';
import { expiryStep, voidStale, voidStep, type StaleTarget } from './lifecycle.js';
import { assessMove, digestNow } from './moves.js';
import type { PolicyRule } from './policy.schema.js';
import type { ApprovalRecord, Change, StoredDecision } from './store.js';
import { requestTargetKey } from './target.js';
import { transition, type Plan } from './transition.js';
import { decidedMessage, separationOfDuties } from './duties.js';

const REQUEUE_AFTER_MS = 15_000;

export const STORE_DOWN = refuse('approval.store_unavailable');

/** Errors the dispatcher turns into 503 (so that platforms retry) are passed on; store failures become refusals. */
export function isPassThrough(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'AuditUnavailableError' || name === 'QueueUnavailableError';
}

/** 64 bits of a digest of the delivery: a redelivery maps to the same request; ids cannot be guessed or collide. */
export function approvalIdFor(tenantId: string, platform: string, deliveryId: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${platform}\u0000${deliveryId}`).digest('hex');
  return `ap-${digest.slice(0, 16)}`;
}

export class ApprovalService implements ApprovalsPort {
  constructor(readonly deps: ApprovalDeps) {}

  /** Opens a request for a job that a rule says needs approval; the card goes to the thread and back to the gate. */
  async request(req: JobRequest, rule: PolicyRule): Promise<GateDecision> {
    try {
      return await this.open(req, rule);
    } catch (error) {
      if (isPassThrough(error)) throw error;
      this.deps.log.error({ err: error }, 'approvals store failed while opening a request');
      return { decision: 'deny', refusal: STORE_DOWN };
    }
  }

  private async open(req: JobRequest, rule: PolicyRule): Promise<GateDecision> {
    const { deps } = this;
    const digest = await bindTarget(req.tenant, req.command, { vcs: deps.vcs(), tickets: deps.tickets?.() }, rule);
    if (!digest.ok)
      return {
        decision: 'deny',
        refusal: refuse('approval.target_unreadable', { why: digest.refusal.message, stage: 'request' }),
      };
    const now = deps.now();
    const rec: ApprovalRecord = {
      id: approvalIdFor(req.tenant.id, req.actor.platform, req.deliveryId),
      tenantId: req.tenant.id,
      state: 'pending',
      rule: rule.name,
      kind: req.kind,
      command: req.command,
      summary: describeCommand(req.command),
      target: requestTargetKey(req.command, req.thread),
      targetDigest: digest.digest,
      ...(digest.binding ? { binding: digest.binding } : {}),
      requester: {
        memberId: req.actor.memberId,
        name: req.actor.name,
        platform: req.actor.platform,
        platformUserId: req.actor.platformUserId,
      },
      thread: req.thread,
      correlationId: req.correlationId,
      deliveryId: req.deliveryId,
      quorum: rule.quorum,
      voidOnTargetChange: rule.voidOnTargetChange,
      cancel: rule.cancel,
      decisions: [],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + rule.ttl).toISOString(),
      queued: false,
    };
    const existing = await deps.store.get(rec.tenantId, rec.id);
    if (existing) {
      if (existing.state === 'pending') await this.scheduleExpiry(existing);
      return { decision: 'hold', replies: [cardReply(existing, req.tenant)] };
    }
    await deps.audit.append({
      tenantId: rec.tenantId,
      action: 'approval.requested',
      actor: auditActorOf(req.actor),
      target: rec.id,
      outcome: 'pending',
      details: { approvalId: rec.id, rule: rule.name, kind: rec.kind, summary: rec.summary },
      correlationId: rec.correlationId,
    });
    await deps.store.create(rec);
    await this.scheduleExpiry(rec);
    // The card is the answer to the request: the surface that asked posts it into the thread, once, under its key;
    // every later change of the request updates that message (postCard). Posting it here too would send it twice.
    return { decision: 'hold', replies: [cardReply(rec, req.tenant)] };
  }

  /** Idempotent (one delayed job per request). A failure only costs the thread its expiry notice: every decision
   *  checks the expiry time itself, and a redelivered request schedules again. */
  private async scheduleExpiry(rec: ApprovalRecord): Promise<void> {
    await this.deps.scheduleExpiry(rec.tenantId, rec.id, new Date(rec.expiresAt)).catch((err: unknown) => {
      this.deps.log.warn({ err, approvalId: rec.id }, 'could not schedule the expiry of an approval request');
    });
  }

  async get(tenantId: string, approvalId: string): Promise<ApprovalCard | undefined> {
    const tenant = this.deps.registry.get(tenantId);
    const rec = tenant ? await this.deps.store.get(tenantId, approvalId) : undefined;
    return rec && tenant ? toCard(rec, tenant) : undefined;
  }

  async pendingFor(tenantId: string, memberId: string): Promise<ApprovalCard[]> {
    const tenant = this.deps.registry.get(tenantId);
    const member = this.deps.registry.memberById(tenantId, memberId);
    if (!tenant || !member) return [];
    const pending = await this.deps.store.listPending(tenantId, 200);
    return pending
      .filter((r) => r.requester.memberId !== memberId && !r.decisions.some((d) => d.memberId === memberId))
      .filter((r) =>
        countsFor(requirements(r, tenant), currentApprovers(r, tenant), { id: member.id, roles: member.roles }),
      )
      .map((r) => toCard(r, tenant));
  }

  voidStale(tenantId: string, target: StaleTarget, reason: string): Promise<ApprovalCard[]> {
    return voidStale(this.deps, tenantId, target, reason);
  }

  /** approve / reject from any surface. The person is resolved to one member; refusals are explained and audited. */
  async decide(req: DecisionRequest): Promise<DecisionOutcome> {
    try {
      return await this.decideNow(req);
    } catch (error) {
      if (isPassThrough(error)) throw error;
      this.deps.log.error({ err: error, approvalId: req.approvalId }, 'approvals store failed during a decision');
      return { ok: false, refusal: STORE_DOWN };
    }
  }

  private async decideNow(req: DecisionRequest): Promise<DecisionOutcome> {
    const { deps } = this;
    const actor = req.actor;
    const tenant = deps.registry.get(req.tenantId);
    const member =
      tenant && actor.tenantId === tenant.id ? deps.registry.memberById(tenant.id, actor.memberId) : undefined;
    const id = req.approvalId;
    if (!tenant || !member) return deny(deps, actor, id, refuse('approval.not_found', { id }), req.correlationId);
    const notFound = refuse('approval.not_found', { id, tenant: tenant.name });
    const before = await deps.store.get(tenant.id, id);
    if (!before) return deny(deps, actor, id, notFound, req.correlationId);
    const now = await digestNow(deps, tenant, before);
    const result = await transition(deps, { tenantId: tenant.id, id: req.approvalId, purpose: 'decide' }, (rec) =>
      this.plan(rec, tenant, member, req, now),
    );
    if (result.leased) return result.value;
    const rec = result.record;
    if (!rec) return deny(deps, actor, id, notFound, req.correlationId);
    if (result.busy)
      return deny(deps, actor, rec.id, refuse('approval.busy', { id: rec.id, moment: 'now' }), req.correlationId);
    return this.notPending(rec, tenant, req);
  }

  private async notPending(rec: ApprovalRecord, tenant: Tenant, req: DecisionRequest): Promise<DecisionOutcome> {
    const { deps } = this;
    // Recovery: an approved request whose job could not be queued (queue down) is queued by the next approve.
    // Not right after the approval, while its own decider is still queueing it.
    const stalled = deps.now().getTime() - Date.parse(rec.closedAt ?? rec.createdAt) > REQUEUE_AFTER_MS;
    if (rec.state === 'approved' && !rec.queued && stalled && req.decision === 'approve') {
      const jobId = await enqueueApproved(deps, rec, auditActorOf(req.actor));
      return {
        ok: true,
        card: toCard({ ...rec, queued: true, jobId }, tenant),
        message: `Request ${rec.id} was already approved; its job ${jobId} is now queued.`,
      };
    }
    const id = rec.id;
    const why =
      rec.state === 'expired'
        ? refuse('approval.expired', { id, at: rec.expiresAt, then: 'ask_if_needed' })
        : rec.state === 'cancelled' && rec.endReason === 'voided'
          ? refuse('approval.target_changed', { id, note: rec.note ?? 'the target changed', stage: 'closed' })
          : refuse('approval.not_pending', {
              id,
              state: rec.state,
              breakGlass: Boolean(rec.breakGlass),
              stage: 'decide',
            });
    return deny(deps, req.actor, id, why, req.correlationId);
  }

  /** What a decision does to the leased request: a refusal, its expiry or voiding, or the decision itself. */
  private async plan(
    rec: ApprovalRecord,
    tenant: Tenant,
    member: Member,
    req: DecisionRequest,
    now: DigestResult | undefined,
  ): Promise<Plan<DecisionOutcome>> {
    const { deps } = this;
    const at = deps.now();
    const id = rec.id;
    const stay = async (refusal: Refusal) => ({ stay: await deny(deps, req.actor, id, refusal, req.correlationId) });
    if (at.getTime() >= Date.parse(rec.expiresAt)) {
      const expired = refuse('approval.expired', { id, at: rec.expiresAt, then: 'nothing' });
      return expiryStep(deps, rec, tenant, () => deny(deps, req.actor, id, expired, req.correlationId));
    }
    const gone = requesterGone(rec, tenant);
    if (gone) return stay(refuse('approval.requester_ineligible', { gone, id, stage: 'decide' }));
    const refused = separationOfDuties(rec, tenant, member, req);
    if (refused) return stay(refused);
    const move = await assessMove(deps, tenant, rec, now);
    if (move.kind === 'void') {
      const voided = refuse('approval.target_changed', { id, note: move.note, stage: 'decide' });
      return voidStep(deps, rec, tenant, move.note, () => deny(deps, req.actor, id, voided, req.correlationId));
    }
    const decision: StoredDecision = {
      memberId: member.id,
      name: member.name,
      decision: req.decision,
      platform: req.actor.platform,
      platformUserId: req.actor.platformUserId,
      roles: member.roles,
      at: at.toISOString(),
      ...(req.reason ? { reason: req.reason } : {}),
    };
    const approvers = [...currentApprovers(rec, tenant), { id: member.id, roles: member.roles }];
    const next: 'rejected' | 'approved' | 'pending' =
      req.decision === 'reject' ? 'rejected' : allMet(requirements(rec, tenant), approvers) ? 'approved' : 'pending';
    const closing: Omit<Change, 'decision'> =
      next === 'pending' ? {} : { state: next, endReason: next, closedAt: at.toISOString(), closedBy: member.id };
    return {
      name: 'decide',
      audit: {
        tenantId: tenant.id,
        action: 'approval.decided',
        actor: auditActorOf(req.actor),
        target: rec.id,
        outcome: 'success',
        details: { approvalId: rec.id, decision: req.decision, state: next },
        correlationId: req.correlationId,
      },
      change: { decision, ...closing },
      card: tenant,
      after: async (updated) => {
        const jobNote = updated.state === 'approved' ? await this.queueJob(updated, req) : '';
        const moved = move.kind === 'keep' ? ` Note: ${move.note}.` : '';
        return {
          result: {
            ok: true,
            card: toCard(updated, tenant),
            message: decidedMessage(updated, tenant, req.decision) + jobNote + moved,
          },
          notes: move.kind === 'keep' ? [{ kind: 'answer', text: `📌 ${rec.id}: ${move.note}.` }] : [],
        };
      },
      lapsed: () => refusedOutcome('approval.busy', { id: rec.id, moment: 'while_deciding' }),
      unrecorded: (refusal) => refusal,
    };
  }

  /** Queues the approved job; a queue outage is told, and the next `approve` after a short while queues it. */
  private async queueJob(rec: ApprovalRecord, req: DecisionRequest): Promise<string> {
    try {
      return ` Job ${await enqueueApproved(this.deps, rec, auditActorOf(req.actor))} is queued.`;
    } catch (error) {
      this.deps.log.error({ err: error, approvalId: rec.id }, 'approved, but the job could not be queued');
      return (
        ` The job queue is unavailable right now, so the job is not queued yet: say "approve ${rec.id}" again in a ` +
        `minute to queue it.`
      );
    }
  }
}

export type { Denied };
