// The audit trail as every layer writes to it: the closed vocabulary of actions, the event and the record, and the
// port (AuditLog) that the trail (audit/trail.ts) implements. Integrations, agents and approvals append through it.
import type { Platform } from './types.js';

/** The closed vocabulary of actions (documented in docs/audit.md). Prefix families end in `.*`. */
export const AUDIT_ACTIONS = [
  'command.received',
  'command.refused',
  'request.rejected',
  'approval.requested',
  'approval.decided',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'approval.voided',
  'approval.aborted',
  'job.queued',
  'job.started',
  'job.completed',
  'job.failed',
  'job.deferred',
  'model.called',
  'config.changed',
  'audit.verified',
  'audit.exported',
  'audit.pruned',
  'audit.reported',
  'audit.token_created',
  'audit.access_denied',
  'gdpr.exported',
  'gdpr.erased',
] as const;
export const AUDIT_ACTION_FAMILIES = ['github.', 'jira.', 'chat.', 'breakglass.', 'security.', 'notify.'] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number] | `${(typeof AUDIT_ACTION_FAMILIES)[number]}${string}`;

export function isAuditAction(value: string): value is AuditAction {
  return (
    (AUDIT_ACTIONS as readonly string[]).includes(value) ||
    AUDIT_ACTION_FAMILIES.some((f) => value.startsWith(f) && value.length > f.length)
  );
}

/** The trail of events that belong to no tenant (unknown workspaces, bad signatures). */
export const SYSTEM_TENANT = '_system';

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'pending' | 'info';

export interface AuditActor {
  /** Pseudonymous member id inside the tenant; absent for unknown people and for Void itself. */
  readonly memberId?: string | undefined;
  readonly platform: Platform | 'system' | 'http' | 'cli';
  /** The platform identity used (Slack user id, GitHub login, …). */
  readonly platformUserId?: string | undefined;
}

/**
 * The audit actor of a person (an Actor, a job's requester): only the three identity fields, nothing else of theirs.
 */
export function auditActorOf(actor: AuditActor): AuditActor {
  return { memberId: actor.memberId, platform: actor.platform, platformUserId: actor.platformUserId };
}

export interface AuditEventInput {
  readonly tenantId: string;
  readonly action: AuditAction;
  readonly actor: AuditActor;
  readonly target?: string | undefined;
  readonly outcome: AuditOutcome;
  /** Redacted facts: ids, digests, counts, codes. No secrets, no free text typed by people. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  readonly correlationId: string;
}

export interface AuditRecord extends AuditEventInput {
  readonly seq: number;
  /** ISO-8601 UTC timestamp. */
  readonly ts: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** A record appended to the trail, as listeners see it. */
export type AppendedListener = (record: AuditRecord) => void;

export interface SecurityEvent {
  /** `security.bad_signature`, `security.replay`, `security.stale_delivery`, … */
  readonly action: `security.${string}`;
  /** The platform or endpoint the event came in on: `github`, `slack`, `jira`, `teams`, `http`. */
  readonly source: AuditActor['platform'];
  /** A short code saying why (counted per code in the summary): `mismatch`, `missing`, `replay`, … */
  readonly reason: string;
  readonly target?: string | undefined;
  /** Details of the first event of the minute (never a body, never a secret). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Security events on the `_system` trail, aggregated per source and minute (audit/security.ts). */
export interface SecurityLog {
  record(event: SecurityEvent): Promise<void>;
}

/** The append-only trail of every tenant (audit/trail.ts AuditTrail). */
export interface AuditLog {
  /** Appends one event to its tenant's chain; rejects (AuditUnavailableError) when the trail cannot be written. */
  append(input: AuditEventInput): Promise<AuditRecord>;
  /**
   * Work under `correlationId` resumes what a process that died may have begun (an intake item run again after its
   * worker was killed): for a while, an append under that id whose action and target are already recorded under it
   * is not repeated, and the record already there is returned. Nothing is recorded twice for one request.
   */
  resume(correlationId: string): void;
  /** Calls `listener` with every record appended from now on; returns the function that stops it. */
  onAppended(listener: AppendedListener): () => void;
  readonly security: SecurityLog;
}
