// Break-glass: an admin forces a pending request to run, with a mandatory reason. Always loud (the thread is told
// and the tenant's compliance officers are named), always audited (the reason stays in the approvals store, out of
// the hashed record), and always followed up: the review item stays open until a compliance_officer says `ack`.
import { createHash } from 'node:crypto';
import { refuse, refused } from '../bot/core/outcome.js';
import type { Actor } from '../bot/core/types.js';
import { auditActorOf } from '../audit/types.js';
import { enqueueApproved } from './approved-job.js';
import { deny } from './audited.js';
import type { ApprovalDeps, Denied } from './deps.js';
import { transition, type Plan } from './transition.js';
import type { Done } from './lifecycle.js';

export function followUpIdFor(approvalId: string): string {
  return `fu-${createHash('sha256').update(approvalId).digest('hex').slice(0, 10)}`;
}

export async function breakGlass(
  deps: ApprovalDeps,
  actor: Actor,
  id: string,
  reason: string,
  correlationId: string,
): Promise<Done | Denied> {
  const tenant = deps.registry.get(actor.tenantId);
  const member = deps.registry.memberById(actor.tenantId, actor.memberId);
  if (!tenant || !member) return deny(deps, actor, id, refuse('approval.not_found', { id }), correlationId);
  if (!member.roles.includes('admin'))
    return deny(deps, actor, id, refuse('breakglass.not_admin', { roles: member.roles.join(', ') }), correlationId);
  if (!reason.trim()) return deny(deps, actor, id, refuse('breakglass.no_reason'), correlationId);
  const officers = tenant.members.filter((m) => m.roles.includes('compliance_officer'));
  const result = await transition(
    deps,
    { tenantId: tenant.id, id, purpose: 'decide' },
    async (rec): Promise<Plan<Done | Denied>> => {
      if (rec.requester.memberId === member.id)
        return {
          stay: await deny(
            deps,
            actor,
            id,
            refuse('approval.self_approval', { id, stage: 'breakglass' }),
            correlationId,
          ),
        };
      if (deps.now().getTime() >= Date.parse(rec.expiresAt))
        return {
          stay: await deny(
            deps,
            actor,
            id,
            refuse('approval.expired', { id, at: rec.expiresAt, then: 'ask' }),
            correlationId,
          ),
        };
      const followUpId = followUpIdFor(rec.id);
      const at = deps.now().toISOString();
      return {
        name: 'breakglass',
        audit: {
          tenantId: tenant.id,
          action: 'breakglass.used',
          actor: auditActorOf(actor),
          target: rec.id,
          outcome: 'success',
          details: { approvalId: rec.id },
          correlationId,
        },
        change: {
          state: 'approved',
          endReason: 'breakglass',
          closedAt: at,
          closedBy: member.id,
          breakGlass: {
            memberId: member.id,
            name: member.name,
            reason: reason.trim(),
            at,
            followUpId,
            followUp: 'open',
          },
        },
        card: tenant,
        after: async (updated) => {
          const jobId = await enqueueApproved(deps, updated, auditActorOf(actor));
          const mention = officers.length
            ? officers.map((o) => `@${o.name}`).join(' ')
            : `(no compliance officer is configured in ${tenant.name}: add one)`;
          return {
            result: {
              ok: true,
              message:
                `Break-glass recorded: ${rec.id} runs as job ${jobId}. Compliance follow-up ${followUpId} is open ` +
                `until a compliance officer acknowledges it.`,
            },
            notes: [
              {
                kind: 'answer',
                key: `breakglass:${rec.id}`,
                text:
                  `🚨 BREAK-GLASS: ${member.name} forced "${rec.summary}" (request ${rec.id}) ` +
                  `to run without the approvals rule "${rec.rule}" needs.\nReason: ${reason.trim()}\n${mention}: ` +
                  `review follow-up ${followUpId}, then say "ack ${followUpId}". Job ${jobId} is queued.`,
              },
            ],
          };
        },
        lapsed: () => refused('approval.busy', { id, moment: 'meanwhile' }),
        unrecorded: (refusal) => refusal,
      };
    },
  );
  if (result.leased) return result.value;
  if (!result.record)
    return deny(deps, actor, id, refuse('approval.not_found', { id, tenant: tenant.name }), correlationId);
  const state = result.busy ? 'being decided right now' : result.record.state;
  return deny(deps, actor, id, refuse('approval.not_pending', { id, state, stage: 'breakglass' }), correlationId);
}

/** ack <follow-up id>: a compliance officer closes the review item of a break-glass. */
export async function acknowledge(
  deps: ApprovalDeps,
  actor: Actor,
  followUpId: string,
  correlationId: string,
): Promise<Done | Denied> {
  const tenant = deps.registry.get(actor.tenantId);
  const member = deps.registry.memberById(actor.tenantId, actor.memberId);
  if (!tenant || !member)
    return deny(deps, actor, followUpId, refuse('breakglass.not_found', { id: followUpId }), correlationId);
  if (!member.roles.includes('compliance_officer'))
    return deny(
      deps,
      actor,
      followUpId,
      refuse('breakglass.not_compliance', { roles: member.roles.join(', ') }),
      correlationId,
    );
  const rec = await deps.store.findByFollowUp(tenant.id, followUpId);
  if (!rec)
    return deny(
      deps,
      actor,
      followUpId,
      refuse('breakglass.not_found', { id: followUpId, tenant: tenant.name }),
      correlationId,
    );
  const result = await transition(
    deps,
    { tenantId: tenant.id, id: rec.id, purpose: 'ack' },
    async (leased): Promise<Plan<Done | Denied>> => {
      const conflict =
        leased.breakGlass?.memberId === member.id
          ? 'you broke glass on it'
          : leased.requester.memberId === member.id
            ? 'you requested it'
            : undefined;
      if (conflict) {
        const others = tenant.members.filter(
          (m) =>
            m.roles.includes('compliance_officer') &&
            m.id !== leased.breakGlass?.memberId &&
            m.id !== leased.requester.memberId,
        );
        const who = others.length
          ? `${others.map((o) => o.name).join(' or ')} must`
          : `no other compliance officer exists in ${tenant.name}, so it stays open (the compliance report shows ` +
            `it) until one is added and does`;
        return {
          stay: await deny(
            deps,
            actor,
            followUpId,
            refuse('breakglass.not_independent', { id: followUpId, conflict, who }),
            correlationId,
          ),
        };
      }
      return {
        name: 'ack',
        audit: {
          tenantId: tenant.id,
          action: 'breakglass.acknowledged',
          actor: auditActorOf(actor),
          target: leased.id,
          outcome: 'success',
          details: { approvalId: leased.id, followUpId },
          correlationId,
        },
        change: { acknowledgedBy: member.id, at: deps.now().toISOString() },
        after: async () => ({
          result: {
            ok: true,
            message: `Follow-up ${followUpId} acknowledged; the break-glass on ${leased.id} is reviewed.`,
          },
          notes: [
            {
              kind: 'answer',
              text:
                `✅ Break-glass follow-up ${followUpId} for ${leased.id} acknowledged by ${member.name} ` +
                `(compliance).`,
            },
          ],
        }),
        lapsed: () => refused('approval.busy', { id: followUpId, moment: 'meanwhile', what: 'Follow-up' }),
        unrecorded: (refusal) => refusal,
      };
    },
  );
  if (result.leased) return result.value;
  const state = result.busy
    ? 'being acknowledged right now'
    : `already acknowledged by ${result.record?.breakGlass?.acknowledgedBy ?? 'someone'}`;
  return deny(
    deps,
    actor,
    followUpId,
    refuse('breakglass.already_acknowledged', { id: followUpId, state }),
    correlationId,
  );
}
