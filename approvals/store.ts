// The approval store port: every transition is ONE conditional update in the store (state and lease in the filter),
// never read-then-write. Implementations: embedded (in process, no MONGODB_URL) and MongoDB (mongoose); one
// contract suite (test/contract/approval-store.contract.test.ts) runs against both.
import type { JobCommand, JobKind } from '../bot/core/jobs.js';
import type { ApprovalState } from '../bot/core/approvals.port.js';
import type { Platform, Role, ThreadRef } from '../bot/core/types.js';
import type { QuorumClause } from './quorum.js';

export interface StoredDecision {
  readonly memberId: string;
  readonly name: string;
  readonly decision: 'approve' | 'reject';
  readonly platform: Platform;
  readonly platformUserId: string;
  /** The roles the person held when they decided (re-checked against their roles now before the job runs). */
  readonly roles: readonly Role[];
  readonly at: string;
  readonly reason?: string | undefined;
}

export interface BreakGlass {
  readonly memberId: string;
  readonly name: string;
  /** Free text typed by the admin: kept here, never in the hashed audit record. */
  readonly reason: string;
  readonly at: string;
  readonly followUpId: string;
  readonly followUp: 'open' | 'acknowledged';
  readonly acknowledgedBy?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
}

/** An author of what is approved, as GitHub knows them (matched against members' linked identities). */
export interface Author {
  readonly login?: string | undefined;
  readonly id?: number | undefined;
  readonly email?: string | undefined;
}

/** What exactly an approval is for, resolved when it was requested (see digest.ts). */
export interface Binding {
  /** The commit that runs (deploy: the ref's commit at request time; review: the head). */
  readonly sha?: string | undefined;
  /** The ref the requester named (or the default branch). */
  readonly ref?: string | undefined;
  /** owner/name of the repository. */
  readonly repo?: string | undefined;
  readonly onTargetMoved?: 'void' | 'keep-pinned' | undefined;
  readonly authorsMayApprove?: boolean | undefined;
  readonly authors?: readonly Author[] | undefined;
  readonly waiveStatusChecks?: boolean | undefined;
  readonly writePaths?: readonly string[] | undefined;
}

/** Why a request left `pending`. `voided` (target moved) and break-glass are recorded as themselves. */
export type EndReason = 'approved' | 'rejected' | 'expired' | 'cancelled' | 'voided' | 'breakglass';

export interface ApprovalRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly state: ApprovalState;
  readonly rule: string;
  readonly kind: JobKind;
  /** The exact command that will run once approved. */
  readonly command: JobCommand;
  readonly summary: string;
  /** What the approval is about ("payments@production", "acme/api#42"): voidStale finds requests by it. */
  readonly target: string;
  /** Digest of what will run (PR head SHA, deployed ref); re-checked at every decision and before the job runs. */
  readonly targetDigest?: string | undefined;
  /** What the digest stands for (pinned commit, authors, waivers); absent on requests made before it existed. */
  readonly binding?: Binding | undefined;
  readonly requester: {
    readonly memberId: string;
    readonly name: string;
    readonly platform: Platform;
    readonly platformUserId: string;
  };
  readonly thread: ThreadRef;
  readonly correlationId: string;
  readonly deliveryId: string;
  readonly quorum: readonly QuorumClause[];
  readonly voidOnTargetChange: boolean;
  readonly cancel: readonly string[];
  readonly decisions: readonly StoredDecision[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly closedAt?: string | undefined;
  readonly closedBy?: string | undefined;
  readonly endReason?: EndReason | undefined;
  /** Why it was voided or cancelled, in words for the thread. */
  readonly note?: string | undefined;
  readonly breakGlass?: BreakGlass | undefined;
  readonly jobId?: string | undefined;
  readonly queued: boolean;
}

/** What one committed step changes. `state` absent: the request stays pending (an approval that does not complete). */
export interface Change {
  readonly decision?: StoredDecision;
  readonly state?: Exclude<ApprovalState, 'pending'>;
  readonly endReason?: EndReason;
  readonly closedAt?: string;
  readonly closedBy?: string;
  readonly note?: string;
  readonly breakGlass?: BreakGlass;
  readonly jobId?: string;
}

/** A lease is for deciding a pending request, or for acknowledging an open break-glass follow-up. */
export type LeasePurpose = 'decide' | 'ack';

export interface ApprovalStore {
  /** Inserts a new request; `exists` when the id is taken (the same delivery again). */
  create(record: ApprovalRecord): Promise<'created' | 'exists'>;
  /** The request, only within its tenant. */
  get(tenantId: string, id: string): Promise<ApprovalRecord | undefined>;
  /**
   * Takes the short lease that serialises the steps of one request (audit record first, then the change), in one
   * conditional update: the request is still pending (or its follow-up open) and nobody else holds a live lease.
   */
  lease(
    tenantId: string,
    id: string,
    purpose: LeasePurpose,
    holder: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ApprovalRecord | undefined>;
  release(tenantId: string, id: string, holder: string): Promise<void>;
  /**
   * Applies a change in one conditional update: still pending, still leased by `holder`, and (for a decision) the
   * person not counted yet. Clears the lease. undefined when any condition failed: nothing changed.
   */
  commit(tenantId: string, id: string, holder: string, change: Change): Promise<ApprovalRecord | undefined>;
  /** Marks the follow-up acknowledged under the `ack` lease (open → acknowledged, once). */
  acknowledge(
    tenantId: string,
    id: string,
    holder: string,
    by: string,
    at: string,
  ): Promise<ApprovalRecord | undefined>;
  /** Records that the job of an approved request is in the queue. */
  markQueued(tenantId: string, id: string, jobId: string): Promise<void>;
  findByFollowUp(tenantId: string, followUpId: string): Promise<ApprovalRecord | undefined>;
  listPending(tenantId: string, limit: number): Promise<ApprovalRecord[]>;
  /** Pending requests about one target (for voidStale). */
  listPendingByTarget(tenantId: string, target: string): Promise<ApprovalRecord[]>;
  openFollowUps(tenantId: string): Promise<ApprovalRecord[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
