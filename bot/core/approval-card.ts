// What every surface renders of an approval request: the card (Block Kit, Adaptive Card, Markdown, the dashboard),
// apart from the approvals port so that the neutral model (types.ts) can carry one in a Reply without a cycle.
import type { Platform } from './platform.js';

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
  readonly pinned?:
    | {
        readonly sha: string;
        readonly repo: string;
        readonly ref?: string | undefined;
        readonly statusChecksWaived: boolean;
      }
    | undefined;
}
