// Separation of duties, said to the person: the checks every decision passes (the requester never approves their
// own request, one person counts once, authors are not independent, the role must be one the rule still needs), and
// the answer to a decision that counted. Apart from service.ts, which runs the state machine around them.
import type { DecisionRequest } from '../bot/core/approvals.port.js';
import { refuse, type Refusal } from '../bot/core/outcome.js';
import type { Member, Tenant } from '../bot/core/types.js';
import { currentApprovers } from './card.js';
import { authored, countsFor, requirements, stillNeeded } from './independence.js';
import { describeQuorum } from './quorum.js';
import type { ApprovalRecord } from './store.js';

/** The separation-of-duties checks: the refusal when the person may not decide. */
export function separationOfDuties(
  rec: ApprovalRecord,
  tenant: Tenant,
  member: Member,
  req: DecisionRequest,
): Refusal | undefined {
  const id = rec.id;
  if (member.id === rec.requester.memberId) {
    const { name: as, platform: through } = rec.requester;
    const { decision } = req;
    return refuse('approval.self_approval', {
      id,
      as,
      through,
      platform: req.actor.platform,
      decision,
      stage: 'decide',
    });
  }
  const earlier = rec.decisions.find((d) => d.memberId === member.id);
  if (earlier) {
    const { decision, at, platform } = earlier;
    return refuse('approval.already_counted', { id, decision, at, platform });
  }
  const author =
    req.decision === 'approve' && !rec.binding?.authorsMayApprove ? authored(member, rec.binding?.authors) : undefined;
  if (author) {
    const as = author.login ? `GitHub ${author.login}` : author.email ? author.email : `GitHub id ${author.id}`;
    return refuse('approval.author', { id, as, kind: rec.kind, rule: rec.rule });
  }
  const reqs = requirements(rec, tenant);
  const named = [...new Set(reqs.flatMap((r) => r.clauses.flatMap((c) => c.roles)))];
  const people = currentApprovers(rec, tenant);
  const needs = stillNeeded(reqs, people);
  if (!member.roles.some((r) => named.includes(r))) {
    const roles = member.roles.join(', ');
    return refuse('approval.role_missing', { id, needs: needs || describeQuorum(rec.quorum), roles });
  }
  if (req.decision === 'approve' && !countsFor(reqs, people, { id: member.id, roles: member.roles })) {
    return refuse('approval.role_not_needed', { id, needs, roles: member.roles.join(', ') });
  }
  return undefined;
}

export function decidedMessage(rec: ApprovalRecord, tenant: Tenant, decision: 'approve' | 'reject'): string {
  if (decision === 'reject') return `You rejected ${rec.id} (${rec.summary}); it will not run.`;
  if (rec.state === 'approved') return `You approved ${rec.id} (${rec.summary}); the quorum is met.`;
  const reqs = requirements(rec, tenant);
  const why = reqs.find((r) => r.why)?.why;
  return (
    `You approved ${rec.id} (${rec.summary}); it still ` +
    `needs ${stillNeeded(reqs, currentApprovers(rec, tenant))}${why ? ` (${why})` : ''}.`
  );
}
