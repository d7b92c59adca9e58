// A recording ApprovalsPort for adapter tests that check click handling in isolation from the approvals module
// (the whole conversation with the real module is in test/e2e). It refuses the requester, as the real service does.
import type { ApprovalCard, ApprovalsPort, DecisionRequest } from '../../bot/core/approvals.port.js';
import { refuse } from '../../bot/core/outcome.js';

export const CARD: ApprovalCard = {
  id: 'ap-1',
  tenantId: 'acme',
  state: 'pending',
  requester: { memberId: 'alice', name: 'Alice Developer' },
  summary: 'deploy payments to production',
  rule: 'prod-deploys',
  remaining: '1 approval from devops',
  decisions: [],
  expiresAt: '2026-11-26T10:00:00.000Z',
  eligibleApprovers: [{ memberId: 'carol', name: 'Carol Ops' }],
};

export class RecordingApprovals implements ApprovalsPort {
  readonly requests: DecisionRequest[] = [];
  async decide(request: DecisionRequest) {
    this.requests.push(request);
    if (request.actor.memberId === 'alice')
      return {
        ok: false as const,
        // The fake's own wording (the clicks tests check that a refusal's text reaches the clicker unchanged).
        refusal: {
          ...refuse('approval.self_approval', { id: request.approvalId, stage: 'breakglass' }),
          message: 'You asked for this, so someone else must approve it.',
        },
      };
    const decision = {
      memberId: request.actor.memberId,
      name: request.actor.name,
      decision: request.decision,
      platform: request.actor.platform,
      at: '2026-11-25T10:00:00.000Z',
      reason: request.reason,
    };
    const card: ApprovalCard = {
      ...CARD,
      state: request.decision === 'approve' ? 'approved' : 'rejected',
      remaining: '',
      decisions: [decision],
    };
    return { ok: true as const, card, message: `${request.actor.name} ${request.decision}d ${request.approvalId}.` };
  }
  async get(tenantId: string) {
    return tenantId === 'acme' ? CARD : undefined;
  }
  async pendingFor() {
    return [CARD];
  }
  async voidStale() {
    return [];
  }
}
