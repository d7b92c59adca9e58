// Quorums: "1 tech_lead and 1 devops", "2 of tech_lead|devops". A quorum is a list of clauses; each clause needs
// `count` distinct people holding one of its roles, and one person fills at most one place in the whole quorum
// (N approvals always mean N distinct people). Whether a set of people meets a quorum is a bipartite matching.
import { refused, type Refused } from '../bot/core/outcome.js';
import { ROLES, type Role } from '../bot/core/types.js';

export interface QuorumClause {
  readonly count: number;
  readonly roles: readonly Role[];
}

/** A person as the quorum sees them: an id and the roles they hold now. */
export interface Candidate {
  readonly id: string;
  readonly roles: readonly Role[];
}

export type QuorumParse = { ok: true; clauses: QuorumClause[] } | Refused;

const CLAUSE = /^(\d{1,2})\s+(?:of\s+)?([a-z_|]+)$/;

/** Parses "none", "1 tech_lead and 1 devops", "2 of tech_lead|devops". Never throws. */
export function parseQuorum(text: string): QuorumParse {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none') return { ok: true, clauses: [] };
  const clauses: QuorumClause[] = [];
  for (const part of trimmed.split(/\s+and\s+/)) {
    const match = CLAUSE.exec(part.trim());
    if (!match) return refused('quorum.unreadable', { clause: part.trim().slice(0, 60) });
    const count = Number(match[1]);
    if (count < 1 || count > 10) return refused('quorum.bad_count', { clause: part.trim() });
    const roles = (match[2] ?? '').split('|').filter(Boolean);
    const unknown = roles.find((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown !== undefined || roles.length === 0) {
      return refused('quorum.unknown_role', { role: unknown ?? '', quorum: text.trim().slice(0, 80), roles: ROLES });
    }
    clauses.push({ count, roles: [...new Set(roles)] as Role[] });
  }
  return { ok: true, clauses };
}

export function describeQuorum(clauses: readonly QuorumClause[]): string {
  if (clauses.length === 0) return 'no approval';
  return clauses
    .map((c) => (c.roles.length === 1 ? `${c.count} ${c.roles[0]}` : `${c.count} of ${c.roles.join('|')}`))
    .join(' and ');
}

export function slotCount(clauses: readonly QuorumClause[]): number {
  return clauses.reduce((n, c) => n + c.count, 0);
}

/** A maximum assignment of people to the quorum's places (Kuhn's augmenting paths): place index → person index. */
function assign(clauses: readonly QuorumClause[], people: readonly Candidate[]): Array<number | undefined> {
  const slots = clauses.flatMap((c) => Array.from({ length: c.count }, () => c.roles));
  const owner: Array<number | undefined> = slots.map(() => undefined);
  const tryPerson = (p: number, seen: Set<number>): boolean => {
    for (let s = 0; s < slots.length; s++) {
      if (seen.has(s) || !slots[s]?.some((r) => people[p]?.roles.includes(r))) continue;
      seen.add(s);
      const current = owner[s];
      if (current === undefined || tryPerson(current, seen)) {
        owner[s] = p;
        return true;
      }
    }
    return false;
  };
  for (let p = 0; p < people.length; p++) tryPerson(p, new Set());
  return owner;
}

/** How many places of the quorum these (distinct) people fill at most. */
export function filled(clauses: readonly QuorumClause[], people: readonly Candidate[]): number {
  return assign(clauses, dedupe(people)).filter((o) => o !== undefined).length;
}

export function isMet(clauses: readonly QuorumClause[], people: readonly Candidate[]): boolean {
  return filled(clauses, people) === slotCount(clauses);
}

/** Whether one more person would fill a place that the others leave open. */
export function wouldCount(clauses: readonly QuorumClause[], people: readonly Candidate[], next: Candidate): boolean {
  if (people.some((p) => p.id === next.id)) return false;
  return filled(clauses, [...people, next]) > filled(clauses, people);
}

/** What is still needed, in words: "1 more approval from devops". Empty when the quorum is met. */
export function remaining(clauses: readonly QuorumClause[], people: readonly Candidate[]): string {
  const owner = assign(clauses, dedupe(people));
  const parts: string[] = [];
  let index = 0;
  for (const clause of clauses) {
    const open = owner.slice(index, index + clause.count).filter((o) => o === undefined).length;
    index += clause.count;
    if (open > 0) parts.push(`${open} more approval${open > 1 ? 's' : ''} from ${clause.roles.join(' or ')}`);
  }
  return parts.join(' and ');
}

/** Whether the members, without the requester, can ever meet the quorum. */
export function meetableWithout(
  clauses: readonly QuorumClause[],
  members: readonly Candidate[],
  requesterId: string,
): boolean {
  return isMet(
    clauses,
    members.filter((m) => m.id !== requesterId),
  );
}

function dedupe(people: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return people.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
}
