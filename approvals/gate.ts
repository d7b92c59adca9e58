// The two gates: at the dispatcher (run now, open an approval request, or refuse naming the missing rule) and in
// the worker right before a job runs (is the approval still valid: same payload, same target, approvers still
// holding their roles?).
import { refuse, type Refusal } from '../bot/core/outcome.js';
import type { RepoRef } from '../bot/core/grammar.js';
import type { Tenant } from '../bot/core/types.js';
import type { ApprovalGate } from '../bot/core/commands.js';
import type { RunGate } from '../bot/core/jobs.js';
import type { JobCommand } from '../bot/core/jobs.js';
import { currentApprovers } from './card.js';
import { currentDigest, sameCommand } from './digest.js';
import { allMet, requirements, requesterGone, stillNeeded } from './independence.js';
import type { ApprovalDeps } from './deps.js';
import { evaluate } from './policy.js';
import { policiesOf } from './policy.schema.js';
import { describeQuorum } from './quorum.js';
import type { ApprovalService } from './service.js';
import type { ApprovalRecord } from './store.js';

/** `localRepo`: the repository on this machine when it is the VCS (console demo): `implement <KEY>` means it. */
export function approvalGate(
  service: ApprovalService,
  localRepo: () => RepoRef | undefined = () => undefined,
): ApprovalGate {
  return {
    async gate(asked) {
      const resolved = resolveRepository(asked.tenant, asked.command, localRepo());
      if ('refusal' in resolved) return { decision: 'deny', refusal: resolved.refusal };
      const request = { ...asked, command: resolved.command };
      const changed = resolved.command !== asked.command ? { command: resolved.command } : {};
      const decision = evaluate(request.tenant, request.command, {
        id: request.actor.memberId,
        name: request.actor.name,
      });
      if (decision.kind === 'run') return { decision: 'run', ...changed };
      if (decision.kind === 'deny') return { decision: 'deny', refusal: decision.refusal };
      return service.request(request, decision.rule);
    },
  };
}

/**
 * `implement <KEY>` names no repository: the tenants file may map the ticket's project to one
 * (`policies.repositories`), and then that is used (and shown in the request). Without one, the command is refused
 * here, before any approval is asked for: it could never run.
 */
export function resolveRepository(
  tenant: Tenant,
  command: JobCommand,
  localRepo?: RepoRef,
): { command: JobCommand } | { refusal: Refusal } {
  if (command.name !== 'implement' || command.repo) return { command };
  if (localRepo) return { command: { ...command, repo: localRepo } };
  const project = command.ticket.split('-')[0] ?? '';
  const mapped = policiesOf(tenant).repositories?.[project];
  if (mapped) {
    const [owner = '', name = ''] = mapped.split('/');
    return { command: { ...command, repo: { owner, name } } };
  }
  return { refusal: refuse('implement.no_repo', { ticket: command.ticket, tenant: tenant.name, project }) };
}

export function approvalRunGate(deps: ApprovalDeps): RunGate {
  return async (data, tenant) => {
    if (!tenant.members.some((m) => m.id === data.requester.memberId)) {
      const gone = `${data.requester.memberId}, who asked for it, is no longer a member of ${tenant.name}`;
      return refuse('approval.requester_ineligible', { gone, stage: 'run' });
    }
    if (!data.approvalId) {
      const decision = evaluate(tenant, data.command, { id: data.requester.memberId, name: data.requester.memberId });
      if (decision.kind === 'run') return undefined;
      return decision.kind === 'deny'
        ? decision.refusal
        : refuse('approval.required', { rule: decision.rule.name, quorum: describeQuorum(decision.rule.quorum) });
    }
    const rec = await deps.store.get(tenant.id, data.approvalId);
    if (!rec) return refuse('approval.not_found', { id: data.approvalId, tenant: tenant.name, stage: 'run' });
    if (rec.state !== 'approved') return refuse('approval.not_approved', { id: rec.id, state: rec.state });
    const pinned = rec.kind === 'deploy' ? rec.binding?.sha : undefined;
    if (
      !sameCommand(rec.command, data.command) ||
      rec.kind !== data.kind ||
      (data.targetDigest ?? undefined) !== rec.targetDigest ||
      (pinned !== undefined && data.commitSha !== pinned)
    ) {
      return refuse('approval.payload_mismatch', { id: rec.id, summary: rec.summary });
    }
    const gone = requesterGone(rec, tenant);
    if (gone) return refuse('approval.requester_ineligible', { gone, stage: 'run' });
    const roles = stillEligible(rec, tenant);
    if (roles) return roles;
    // A pinned deploy runs the approved commit whatever the ref says now; everything else is re-read.
    if (rec.voidOnTargetChange && !pinned) {
      const now = await currentDigest(tenant, rec.command, { vcs: deps.vcs(), tickets: deps.tickets?.() });
      if (!now.ok) return refuse('approval.target_unreadable', { why: now.refusal.message, stage: 'run' });
      if (now.digest !== undefined && now.digest !== rec.targetDigest) {
        const from = rec.targetDigest ?? 'unknown';
        return refuse('approval.target_changed', { id: rec.id, from, to: now.digest, stage: 'run' });
      }
    }
    return undefined;
  };
}

/** Roles as they are now: a removed or demoted approver (or break-glass admin) no longer counts. */
function stillEligible(rec: ApprovalRecord, tenant: Tenant): Refusal | undefined {
  if (rec.breakGlass) {
    const admin = tenant.members.find((m) => m.id === rec.breakGlass?.memberId);
    if (admin?.roles.includes('admin')) return undefined;
    const { name } = rec.breakGlass;
    return refuse('approval.approver_ineligible', { id: rec.id, name, tenant: tenant.name, stage: 'breakglass' });
  }
  const reqs = requirements(rec, tenant);
  if (allMet(reqs, currentApprovers(rec, tenant))) return undefined;
  const lost = rec.decisions
    .filter((d) => d.decision === 'approve')
    .map((d) => {
      const m = tenant.members.find((x) => x.id === d.memberId);
      if (!m) return `${d.name} is no longer a member of ${tenant.name}`;
      const gone = d.roles.filter((r) => !m.roles.includes(r));
      return gone.length ? `${d.name} no longer holds ${gone.join(', ')}` : undefined;
    })
    .filter(Boolean);
  const why = reqs.find((r) => r.why)?.why;
  return refuse('approval.approver_ineligible', {
    id: rec.id,
    quorum: describeQuorum(rec.quorum),
    why,
    needs: why ? stillNeeded(reqs, currentApprovers(rec, tenant)) : '',
    lost: lost.join('; '),
    stage: 'quorum',
  });
}
