// The approvals service: the one place where requests are opened and decided, whatever surface the click or the
// typed command came from. Separation of duties is checked here on every decision; the run gate checks it again
// just before the job runs (gate.ts).
import { createHash } from 'node:crypto';
import type { ApprovalCard, ApprovalsPort, DecisionOutcome, DecisionRequest } from '../bot/core/approvals.port.js';
import { describeCommand } from '../bot/core/grammar.js';
import type { Member, Tenant } from '../bot/core/types.js';
import { auditActorOf } from '../audit/types.js';
import type { GateDecision, JobRequest } from '../bot/core/commands.js';
import { cardReply, currentApprovers, toCard } from './card.js';
import { bindTarget, type DigestResult } from './digest.js';
import { allMet, authored, countsFor, requirements, requesterGone, stillNeeded } from './independence.js';
import { enqueueApproved } from './approved-job.js';
import { deny } from './audited.js';
import type { ApprovalDeps, Denied } from './deps.js';
import { expiryStep, voidStale, voidStep, type StaleTarget } from './lifecycle.js';
import { assessMove, digestNow } from './moves.js';
import type { PolicyRule } from './policy.schema.js';
import { describeQuorum } from './quorum.js';
import type { ApprovalRecord, Change, StoredDecision } from './store.js';
import { requestTargetKey } from './target.js';
import { transition, type Plan } from './transition.js';

const REQUEUE_AFTER_MS = 15_000;

export const STORE_DOWN = {
  code: 'approval.store_unavailable',
  message:
    'The approvals store cannot be reached right now, so nothing was requested or decided. Please try again shortly.',
};

/** Errors the dispatcher turns into 503 (so that platforms retry) are passed on; store failures become refusals. */
export function isPassThrough(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'AuditUnavailableError' || name === 'QueueUnavailableError';
}

/** 64 bits of a digest of the delivery: a redelivery maps to the same request; ids cannot be guessed or collide. */
export function approvalIdFor(tenantId: string, platform: string, deliveryId: string): string {
  return `ap-${createHash('sha256').update(`${tenantId}\u0000${platform}\u0000${deliveryId}`).digest('hex').slice(0, 16)}`;
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
        refusal: { code: 'approval.target_unreadable', message: `Nothing was requested: ${digest.message}.` },
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
    if (!tenant || !member)
      return deny(
        deps,
        actor,
        req.approvalId,
        'approval.not_found',
        `There is no request "${req.approvalId}".`,
        req.correlationId,
      );
    const before = await deps.store.get(tenant.id, req.approvalId);
    if (!before)
      return deny(
        deps,
        actor,
        req.approvalId,
        'approval.not_found',
        `There is no request "${req.approvalId}" in ${tenant.name}.`,
        req.correlationId,
      );
    const now = await digestNow(deps, tenant, before);
    const result = await transition(deps, { tenantId: tenant.id, id: req.approvalId, purpose: 'decide' }, (rec) =>
      this.plan(rec, tenant, member, req, now),
    );
    if (result.leased) return result.value;
    const rec = result.record;
    if (!rec)
      return deny(
        deps,
        actor,
        req.approvalId,
        'approval.not_found',
        `There is no request "${req.approvalId}" in ${tenant.name}.`,
        req.correlationId,
      );
    if (result.busy)
      return deny(
        deps,
        actor,
        rec.id,
        'approval.busy',
        `Request ${rec.id} is being decided by someone else right now; try again in a moment.`,
        req.correlationId,
      );
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
    const why: Record<string, [string, string]> = {
      expired: [
        'approval.expired',
        `Request ${rec.id} expired at ${rec.expiresAt}; nothing can be decided on it any more. Ask again if it is still needed.`,
      ],
      rejected: ['approval.not_pending', `Request ${rec.id} was already rejected.`],
      approved: [
        'approval.not_pending',
        `Request ${rec.id} is already approved${rec.breakGlass ? ' (break-glass)' : ''}; your decision is not needed.`,
      ],
      cancelled:
        rec.endReason === 'voided'
          ? [
              'approval.target_changed',
              `Request ${rec.id} was voided: ${rec.note ?? 'the target changed'}. Ask again to approve what will run now.`,
            ]
          : ['approval.not_pending', `Request ${rec.id} was cancelled.`],
    };
    const [code, message] = why[rec.state] ?? ['approval.not_pending', `Request ${rec.id} is ${rec.state}.`];
    return deny(deps, req.actor, rec.id, code, message, req.correlationId);
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
    const refuse = async (code: string, message: string) => ({
      stay: await deny(deps, req.actor, rec.id, code, message, req.correlationId),
    });
    if (at.getTime() >= Date.parse(rec.expiresAt)) {
      return expiryStep(deps, rec, tenant, () =>
        deny(
          deps,
          req.actor,
          rec.id,
          'approval.expired',
          `Request ${rec.id} expired at ${rec.expiresAt}; nothing can be decided on it any more.`,
          req.correlationId,
        ),
      );
    }
    const gone = requesterGone(rec, tenant);
    if (gone)
      return refuse('approval.requester_ineligible', `${gone}, so ${rec.id} cannot be approved; it will not run.`);
    const refused = this.separationOfDuties(rec, tenant, member, req);
    if (refused) return refuse(refused[0], refused[1]);
    const move = await assessMove(deps, tenant, rec, now);
    if (move.kind === 'void') {
      return voidStep(deps, rec, tenant, move.note, () =>
        deny(
          deps,
          req.actor,
          rec.id,
          'approval.target_changed',
          `Request ${rec.id} was voided because ${move.note}; approvals count only for what will run. Ask again.`,
          req.correlationId,
        ),
      );
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
            message: this.decidedMessage(updated, tenant, req.decision) + jobNote + moved,
          },
          notes: move.kind === 'keep' ? [{ kind: 'answer', text: `📌 ${rec.id}: ${move.note}.` }] : [],
        };
      },
      lapsed: () => ({
        ok: false,
        refusal: { code: 'approval.busy', message: `Request ${rec.id} changed while you decided; look at it again.` },
      }),
      unrecorded: (refusal) => refusal,
    };
  }

  /** Queues the approved job; a queue outage is told, and the next `approve` after a short while queues it. */
  private async queueJob(rec: ApprovalRecord, req: DecisionRequest): Promise<string> {
    try {
      return ` Job ${await enqueueApproved(this.deps, rec, auditActorOf(req.actor))} is queued.`;
    } catch (error) {
      this.deps.log.error({ err: error, approvalId: rec.id }, 'approved, but the job could not be queued');
      return ` The job queue is unavailable right now, so the job is not queued yet: say "approve ${rec.id}" again in a minute to queue it.`;
    }
  }

  /** The separation-of-duties checks, as [code, explanation] when the person may not decide. */
  private separationOfDuties(
    rec: ApprovalRecord,
    tenant: Tenant,
    member: Member,
    req: DecisionRequest,
  ): [string, string] | undefined {
    if (member.id === rec.requester.memberId) {
      return [
        'approval.self_approval',
        `You requested ${rec.id} (as ${rec.requester.name}, through ${rec.requester.platform}); your ${req.actor.platform} account is linked to the same person, so you cannot ${req.decision} it. Someone else must${req.decision === 'reject' ? '; to withdraw it say "cancel ' + rec.id + '"' : ''}.`,
      ];
    }
    const earlier = rec.decisions.find((d) => d.memberId === member.id);
    if (earlier)
      return [
        'approval.already_counted',
        `You already decided on ${rec.id} (${earlier.decision}, ${earlier.at} via ${earlier.platform}); one person counts once.`,
      ];
    const author =
      req.decision === 'approve' && !rec.binding?.authorsMayApprove
        ? authored(member, rec.binding?.authors)
        : undefined;
    if (author) {
      const as = author.login ? `GitHub ${author.login}` : author.email ? author.email : `GitHub id ${author.id}`;
      return [
        'approval.author',
        `You (${as}) authored part of what ${rec.id} would ${rec.kind === 'deploy' ? 'deploy' : 'approve'}; rule "${rec.rule}" does not let authors approve their own change (authorsMayApprove: false). Someone independent must.`,
      ];
    }
    const reqs = requirements(rec, tenant);
    const named = [...new Set(reqs.flatMap((r) => r.clauses.flatMap((c) => c.roles)))];
    const people = currentApprovers(rec, tenant);
    const needs = stillNeeded(reqs, people);
    if (!member.roles.some((r) => named.includes(r))) {
      return [
        'approval.role_missing',
        `Request ${rec.id} needs ${needs || describeQuorum(rec.quorum)}; you are ${member.roles.join(', ')}, so your decision cannot count.`,
      ];
    }
    if (req.decision === 'approve' && !countsFor(reqs, people, { id: member.id, roles: member.roles })) {
      return [
        'approval.role_not_needed',
        `Request ${rec.id} still needs ${needs}; you are ${member.roles.join(', ')}, and those places are already filled.`,
      ];
    }
    return undefined;
  }

  private decidedMessage(rec: ApprovalRecord, tenant: Tenant, decision: 'approve' | 'reject'): string {
    if (decision === 'reject') return `You rejected ${rec.id} (${rec.summary}); it will not run.`;
    if (rec.state === 'approved') return `You approved ${rec.id} (${rec.summary}); the quorum is met.`;
    const reqs = requirements(rec, tenant);
    const why = reqs.find((r) => r.why)?.why;
    return `You approved ${rec.id} (${rec.summary}); it still needs ${stillNeeded(reqs, currentApprovers(rec, tenant))}${why ? ` (${why})` : ''}.`;
  }
}

export type { Denied };
