// An in-memory ApprovalsPort for the GitHub tests, used until/unless the approvals module is loaded with them: enough
// state (pending cards, the target each was approved against) to show what the GitHub adapter asks of the port.
import { filingOf } from '../../approvals/target.js';
import type { ApprovalCard, ApprovalsPort, DecisionOutcome, DecisionRequest } from '../../bot/core/approvals.port.js';
import { refuse } from '../../bot/core/outcome.js';

interface Entry {
  card: ApprovalCard;
  target: string;
  digest: string;
}

export interface MemoryApprovals extends ApprovalsPort {
  readonly voidCalls: Array<{ tenantId: string; target: string; digest: string; reason: string }>;
  add(card: Partial<ApprovalCard> & { id: string }, target: string, digest: string): ApprovalCard;
}

export function card(fields: Partial<ApprovalCard> & { id: string }): ApprovalCard {
  return {
    tenantId: 'acme',
    state: 'pending',
    requester: { memberId: 'alice', name: 'Alice Developer' },
    summary: 'deploy api to production',
    rule: 'production-deploys',
    remaining: '1 more approval from tech_lead',
    decisions: [],
    expiresAt: '2026-11-26T12:00:00.000Z',
    eligibleApprovers: [{ memberId: 'bob', name: 'Bob Lead' }],
    createdAt: new Date(Date.now() - 1000).toISOString(),
    ...fields,
  };
}

export function memoryApprovals(): MemoryApprovals {
  const entries = new Map<string, Entry>();
  const voidCalls: MemoryApprovals['voidCalls'] = [];
  return {
    voidCalls,
    add(fields, target, digest) {
      const c = card(fields);
      entries.set(c.id, { card: c, target, digest });
      return c;
    },
    async decide(request: DecisionRequest): Promise<DecisionOutcome> {
      const entry = entries.get(request.approvalId);
      if (!entry || entry.card.tenantId !== request.tenantId)
        return { ok: false, refusal: refuse('approval.not_found', { id: request.approvalId }) };
      return { ok: true, card: entry.card, message: 'recorded' };
    },
    async get(tenantId, approvalId) {
      const entry = entries.get(approvalId);
      return entry && entry.card.tenantId === tenantId ? entry.card : undefined;
    },
    async pendingFor(tenantId, memberId) {
      return [...entries.values()]
        .map((e) => e.card)
        .filter(
          (c) =>
            c.tenantId === tenantId &&
            c.state === 'pending' &&
            c.eligibleApprovers.some((a) => a.memberId === memberId),
        );
    },
    async voidStale(tenantId, moved, reason) {
      // The same key and digest the approvals module files a pull request under (its formats are its own).
      const { key: target, digest = '' } = filingOf(moved);
      voidCalls.push({ tenantId, target, digest, reason });
      const stale = [...entries.values()].filter(
        (e) => e.card.tenantId === tenantId && e.target === target && e.digest !== digest && e.card.state === 'pending',
      );
      for (const e of stale) e.card = { ...e.card, state: 'cancelled', remaining: '' };
      return stale.map((e) => e.card);
    },
  };
}
