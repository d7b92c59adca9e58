// The approvals service as every surface sees it. Chat buttons, typed `approve <id>`, PR comments and the console
// all decide through this one port; the approvals module implements it.
import type { Refusal } from './errors.js';
import type { Actor, Platform } from './types.js';

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

/** The form of an approval id (`ap-` and 16 hex digits): lets an adapter tell `status <approval>` from `status <job>`. */
export const APPROVAL_ID = /^ap-[0-9a-f]{16}$/;

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
  /** A cancelled request that Void voided because its target moved (not cancelled by a person), with why. */
  readonly voided?: { readonly note: string } | undefined;
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
  /** When the request was made (ISO 8601): an id-less `approve` in a PR only means requests older than itself. */
  readonly createdAt?: string | undefined;
  /** deploy: the commit that will run, with its repository; and whether status checks are waived. */
  readonly pinned?: { readonly sha: string; readonly repo: string; readonly ref?: string | undefined; readonly statusChecksWaived: boolean } | undefined;
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

export type StaleTarget =
  | { readonly repo: { owner: string; name: string } | string; readonly number: number; readonly headSha: string }
  | { readonly ticket: string; readonly content?: { summary: string; description: string; acceptanceCriteria?: string | undefined } | undefined };

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
