// The approvals service as every surface sees it. Chat buttons, typed `approve <id>`, PR comments and the console
// all decide through this one port; the approvals module implements it.
import type { Refusal } from './errors.js';
import type { ApprovalCard } from './approval-card.js';
import type { Actor } from './types.js';

export type { ApprovalCard, ApprovalDecisionView, ApprovalState } from './approval-card.js';

/**
 * The form of an approval id (`ap-` and 16 hex digits): lets an adapter tell `status <approval>` from `status <job>`.
 */
export const APPROVAL_ID = /^ap-[0-9a-f]{16}$/;

export interface DecisionRequest {
  readonly tenantId: string;
  readonly approvalId: string;
  readonly actor: Actor;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string | undefined;
  readonly correlationId: string;
}

export type DecisionOutcome = { ok: true; card: ApprovalCard; message: string } | { ok: false; refusal: Refusal };

export type StaleTarget =
  | { readonly repo: { owner: string; name: string } | string; readonly number: number; readonly headSha: string }
  | {
      readonly ticket: string;
      readonly content?: { summary: string; description: string; acceptanceCriteria?: string | undefined } | undefined;
    };

export interface ApprovalsPort {
  decide(request: DecisionRequest): Promise<DecisionOutcome>;
  /** The request as the tenant sees it; another tenant's id reads as undefined. */
  get(tenantId: string, approvalId: string): Promise<ApprovalCard | undefined>;
  /** Pending requests this member may decide (App Home, `status`). */
  pendingFor(tenantId: string, memberId: string): Promise<ApprovalCard[]>;
  /**
   * Something an approval was for has moved: a pull request's new head commit (`{ repo, number, headSha }`), or an
   * edited ticket (`{ ticket, content? }`). Voids the pending requests approved for something else. Only the
   * approvals module knows how requests are keyed and digested; callers say what moved, in their own terms.
   */
  voidStale(tenantId: string, target: StaleTarget, reason: string): Promise<ApprovalCard[]>;
}
