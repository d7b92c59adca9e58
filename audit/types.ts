// The audit record and the store port. Every step Void takes appends one record to its tenant's hash chain.
import type { Platform } from '../bot/core/types.js';

/** The closed vocabulary of actions (documented in README "Audit trail"). Prefix families end in `.*`. */
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
  'gdpr.exported',
  'gdpr.erased',
] as const;
export const AUDIT_ACTION_FAMILIES = ['github.', 'jira.', 'chat.', 'breakglass.', 'security.'] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number] | `${(typeof AUDIT_ACTION_FAMILIES)[number]}${string}`;

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value) || AUDIT_ACTION_FAMILIES.some((f) => value.startsWith(f) && value.length > f.length);
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

/** The only write is append; records are never updated or deleted through the application. */
export interface AuditStore {
  /** Inserts the record unless (tenantId, seq) exists; resolves false when another writer took the sequence number. */
  insert(record: AuditRecord): Promise<boolean>;
  /** The record with the highest sequence number of a tenant. */
  head(tenantId: string): Promise<AuditRecord | undefined>;
  /** Records of one tenant in sequence order, from `fromSeq` (inclusive), at most `limit`. */
  range(tenantId: string, fromSeq: number, limit: number): Promise<AuditRecord[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
