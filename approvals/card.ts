// What people see: the approval card (rendered by each adapter with Approve / Reject buttons, updated in place by
// its key) and the sentences that go with it.
import type { ApprovalCard } from '../bot/core/approvals.port.js';
import type { Member, Reply, Tenant } from '../bot/core/types.js';
import { requirements, stillNeeded } from './independence.js';
import { describeQuorum, type Candidate } from './quorum.js';
import type { ApprovalRecord } from './store.js';

/** Approvers as they count now: their current roles from the tenant (a removed member counts for nothing). */
export function currentApprovers(record: ApprovalRecord, tenant: Tenant): Candidate[] {
  return record.decisions
    .filter((d) => d.decision === 'approve' && d.memberId !== record.requester.memberId)
    .map((d) => ({ id: d.memberId, roles: tenant.members.find((m) => m.id === d.memberId)?.roles ?? [] }));
}

export function eligibleNow(record: ApprovalRecord, tenant: Tenant): Member[] {
  const roles = new Set(requirements(record, tenant).flatMap((r) => r.clauses.flatMap((c) => c.roles)));
  const decided = new Set(record.decisions.map((d) => d.memberId));
  return tenant.members.filter(
    (m) => m.id !== record.requester.memberId && !decided.has(m.id) && m.roles.some((r) => roles.has(r)),
  );
}

export function toCard(record: ApprovalRecord, tenant: Tenant): ApprovalCard {
  const pending = record.state === 'pending';
  return {
    id: record.id,
    tenantId: record.tenantId,
    state: record.state,
    ...(record.endReason === 'voided' ? { voided: { note: record.note ?? 'the target changed' } } : {}),
    requester: { memberId: record.requester.memberId, name: record.requester.name },
    summary: record.summary,
    rule: record.rule,
    remaining: pending ? stillNeeded(requirements(record, tenant), currentApprovers(record, tenant)) : '',
    decisions: record.decisions.map((d) => ({
      memberId: d.memberId,
      name: d.name,
      decision: d.decision,
      platform: d.platform,
      at: d.at,
      reason: d.reason,
    })),
    expiresAt: record.expiresAt,
    eligibleApprovers: pending ? eligibleNow(record, tenant).map((m) => ({ memberId: m.id, name: m.name })) : [],
    breakGlass: Boolean(record.breakGlass),
    targetDigest: record.targetDigest,
    createdAt: record.createdAt,
    ...(record.kind === 'deploy' && record.binding?.sha && record.binding.repo
      ? {
          pinned: {
            sha: record.binding.sha,
            repo: record.binding.repo,
            ref: record.binding.ref,
            statusChecksWaived: Boolean(record.binding.waiveStatusChecks),
          },
        }
      : {}),
  };
}

export function stateLine(record: ApprovalRecord, tenant: Tenant): string {
  const card = toCard(record, tenant);
  switch (record.endReason ?? record.state) {
    case 'pending':
      return (
        `⏳ pending: needs ${card.remaining}` +
        (card.eligibleApprovers.length
          ? ` (can approve: ${card.eligibleApprovers.map((a) => a.name).join(', ')})`
          : '') +
        `; expires ${record.expiresAt}`
      );
    case 'approved':
      return `✅ approved by ${record.decisions
        .filter((d) => d.decision === 'approve')
        .map((d) => d.name)
        .join(', ')}`;
    case 'rejected': {
      const by = record.decisions.find((d) => d.decision === 'reject');
      return `🚫 rejected by ${by?.name ?? 'someone'}${by?.reason ? `: ${by.reason}` : ''}`;
    }
    case 'expired':
      return `⌛ expired at ${record.expiresAt} without the approvals it needed`;
    case 'voided':
      return `♻️ voided: ${record.note ?? 'the target changed'}`;
    case 'breakglass':
      return (
        `🚨 forced by break-glass (${record.breakGlass?.name ?? 'an admin'}); ` +
        `follow-up ${record.breakGlass?.followUpId ?? ''} ${record.breakGlass?.followUp ?? ''}`
      );
    default:
      return `✖️ cancelled${record.closedBy ? ` by ${record.closedBy}` : ''}`;
  }
}

/** The approval message: one per request, updated in place by its key on every decision. */
export function cardReply(record: ApprovalRecord, tenant: Tenant): Reply {
  const text = [
    `🔐 Approval ${record.id}: ${record.summary}`,
    `Requested by ${record.requester.name} · rule "${record.rule}" (${describeQuorum(record.quorum)}, ` +
      `never the requester)`,
    ...boundLines(record, tenant),
    stateLine(record, tenant),
    record.state === 'pending' ? `Say "approve ${record.id}" or "reject ${record.id} <reason>".` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { text, kind: 'approval', key: `approval:${record.id}`, approval: toCard(record, tenant) };
}

/** What the request is bound to, in words: the pinned commit (short, linked), waivers, a tightened rule. */
function boundLines(record: ApprovalRecord, tenant: Tenant): string[] {
  const b = record.binding;
  const lines: string[] = [];
  if (record.kind === 'deploy' && b?.sha && b.repo) {
    lines.push(
      `Deploys commit ${b.sha.slice(0, 7)} (https://github.com/${b.repo}/commit/${b.sha}) ` +
        `of ${b.repo}${b.ref && b.ref !== b.sha ? `, where ${b.ref} pointed when requested` : ''}; if it moves, ` +
        `the rule ${b.onTargetMoved === 'keep-pinned' ? 'keeps this commit' : 'voids this request'}.`,
    );
    lines.push(
      b.waiveStatusChecks
        ? `⚠️ Required status checks are WAIVED by rule "${record.rule}".`
        : 'Required status checks must pass.',
    );
  }
  if (b && b.authorsMayApprove === false && b.authors?.length) lines.push('Authors of the change cannot approve it.');
  const why = requirements(record, tenant).find((r) => r.why)?.why;
  if (why && record.state === 'pending') lines.push(`Note: ${why}.`);
  return lines;
}
