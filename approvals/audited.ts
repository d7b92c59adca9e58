// No approvals step without its audit record: the record is appended first, and a failed append becomes a refusal
// the person sees ("nothing was done"). Refusals are explained to the person and recorded as denied attempts.
import { auditActorOf, type AuditEventInput } from '../audit/types.js';
import { refused, type Refusal } from '../bot/core/outcome.js';
import type { Actor } from '../bot/core/types.js';
import type { ApprovalDeps, Denied } from './deps.js';

/** Appends an audit record; a failure becomes a refusal the person sees ("nothing was done"). */
export async function appendOrRefuse(deps: ApprovalDeps, input: AuditEventInput): Promise<Denied | undefined> {
  try {
    await deps.audit.append(input);
    return undefined;
  } catch (error) {
    deps.log.error({ err: error, action: input.action }, 'audit append failed: the approval step was not taken');
    return refused('audit.unavailable');
  }
}

/** A refusal, explained to the person and recorded as a denied attempt. */
export async function deny(
  deps: ApprovalDeps,
  actor: Actor,
  approvalId: string,
  refusal: Refusal,
  correlationId: string,
): Promise<Denied> {
  const failed = await appendOrRefuse(deps, {
    tenantId: actor.tenantId,
    action: 'approval.denied',
    actor: auditActorOf(actor),
    target: approvalId,
    outcome: 'denied',
    details: { approvalId, code: refusal.code },
    correlationId,
  });
  return failed ?? { ok: false, refusal };
}
