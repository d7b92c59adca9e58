// The approvals service as every surface sees it. Chat buttons, typed `approve <id>`, PR comments and the console
// all decide through this one port; the approvals module implements it.
import type { Refusal } from './errors.js';
import type { Actor, Platform } from './types.js';

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface ApprovalDecisionView {
  readonly memberId: string;
  readonly name: string;
  readonly decision: 'approve' | 'reject';
  readonly platform: Platform;
  readonly at: string;
  readonly reason?: string | undefined;
}

/** What a platform renders as an approval message (Block Kit, Adaptive Card, Markdown): no store internals. */
export interface ApprovalCard {
  readonly id: string;
  readonly tenantId: string;
  readonly state: ApprovalState;
  readonly requester: { readonly memberId: string; readonly name: string };
  /** The exact command, e.g. "deploy payments to production at v1.4.2". */
  readonly summary: string;
  readonly rule: string;
  /** What is still needed, in words: "1 more approval from devops". Empty when decided. */
  readonly remaining: string;
  readonly decisions: readonly ApprovalDecisionView[];
  readonly expiresAt: string;
  /** Who may still approve, for mentions in the thread. */
  readonly eligibleApprovers: ReadonlyArray<{ readonly memberId: string; readonly name: string }>;
  readonly breakGlass?: boolean;
  readonly targetDigest?: string | undefined;
}

export interface DecisionRequest {
  readonly tenantId: string;
  readonly approvalId: string;
  readonly actor: Actor;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string | undefined;
  readonly correlationId: string;
}

export type DecisionOutcome = { ok: true; card: ApprovalCard; message: string } | { ok: false; refusal: Refusal };

export interface ApprovalsPort {
  decide(request: DecisionRequest): Promise<DecisionOutcome>;
  /** The request as the tenant sees it; another tenant's id reads as undefined. */
  get(tenantId: string, approvalId: string): Promise<ApprovalCard | undefined>;
  /** Pending requests this member may decide (App Home, `status`). */
  pendingFor(tenantId: string, memberId: string): Promise<ApprovalCard[]>;
  /** The target moved (new head commit, ref moved): voids pending requests approved against the old digest. */
  voidStale(tenantId: string, target: string, currentDigest: string, reason: string): Promise<ApprovalCard[]>;
}
