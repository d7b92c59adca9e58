// Independence beyond "requester ≠ approver": authors of the change are not independent approvers (unless the rule
// says `authorsMayApprove: true`), the requester must still be a member, and a request is held to the stricter of the
// quorum it was opened under and the quorum its rule asks for now.
import type { Member, Tenant } from '../bot/core/types.js';
import { matchRule } from './policy.js';
import { describeQuorum, isMet, remaining, wouldCount, type Candidate, type QuorumClause } from './quorum.js';
import type { ApprovalRecord, Author } from './store.js';

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/**
 * Whether a member wrote any of the commits (or opened the pull request), matched through their linked identities:
 * GitHub accounts (by login today; by numeric id where an identity carries one) and e-mail addresses.
 */
export function authored(member: Member, authors: readonly Author[] | undefined): Author | undefined {
  if (!authors?.length) return undefined;
  const ids = member.identities as {
    github?: ReadonlyArray<string | { id?: number; login?: string }>;
    email?: readonly string[];
  };
  const logins = new Set<string>();
  const numeric = new Set<number>();
  for (const g of ids.github ?? []) {
    if (typeof g === 'string') logins.add(lower(g));
    else {
      if (g.login) logins.add(lower(g.login));
      if (typeof g.id === 'number') numeric.add(g.id);
    }
  }
  const emails = new Set((ids.email ?? []).map(lower));
  return authors.find(
    (a) =>
      (a.login && logins.has(lower(a.login))) ||
      (a.id !== undefined && numeric.has(a.id)) ||
      (a.email && emails.has(lower(a.email))),
  );
}

export interface Requirement {
  readonly clauses: readonly QuorumClause[];
  /** Why this requirement applies besides the request's own quorum (shown on the card). */
  readonly why?: string | undefined;
}

/** The quorums a request must meet now: its own, and its rule's current one when that differs (the stricter wins). */
export function requirements(rec: ApprovalRecord, tenant: Tenant): Requirement[] {
  const own: Requirement = { clauses: rec.quorum };
  const now = matchRule(tenant, rec.command);
  if (!now || describeQuorum(now.rule.quorum) === describeQuorum(rec.quorum)) return [own];
  if (now.rule.quorum.length === 0) return [own];
  return [
    own,
    {
      clauses: now.rule.quorum,
      why:
        `rule "${now.rule.name}" now needs ${describeQuorum(now.rule.quorum)} (changed since the request); ` +
        `the stricter requirement applies`,
    },
  ];
}

export function allMet(reqs: readonly Requirement[], people: readonly Candidate[]): boolean {
  return reqs.every((r) => isMet(r.clauses, people));
}

export function stillNeeded(reqs: readonly Requirement[], people: readonly Candidate[]): string {
  return reqs
    .map((r) => remaining(r.clauses, people))
    .filter(Boolean)
    .join('; and ');
}

export function countsFor(reqs: readonly Requirement[], people: readonly Candidate[], next: Candidate): boolean {
  return reqs.some((r) => wouldCount(r.clauses, people, next));
}

/** Why the request's requester no longer stands behind it, or undefined when they are still a member. */
export function requesterGone(rec: ApprovalRecord, tenant: Tenant): string | undefined {
  return tenant.members.some((m) => m.id === rec.requester.memberId)
    ? undefined
    : `${rec.requester.name} (who requested ${rec.id}) is no longer a member of ${tenant.name}`;
}
