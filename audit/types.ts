// The audit record and the store port. Every step Void takes appends one record to its tenant's hash chain.
import type { Platform } from '../bot/core/types.js';
import type { PersonalDataStore } from './personal.js';

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

/** The audit actor of a person (an Actor, a job's requester): only the three identity fields, nothing else of theirs. */
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

/** Filters of a query; every one is optional and they combine with AND. Times are ISO-8601 strings. */
export interface AuditFilter {
  readonly from?: string | undefined;
  readonly until?: string | undefined;
  /** Member id of the actor. */
  readonly actor?: string | undefined;
  /** An exact action, or a family such as `github.*`. */
  readonly action?: string | undefined;
  readonly target?: string | undefined;
  readonly correlationId?: string | undefined;
  /** Only records with a sequence number up to this one (an export stops at the head it announced). */
  readonly maxSeq?: number | undefined;
}

/** A record that has its place in the chain; `durable` resolves once it is on disk (rejects if it cannot be). */
export interface SequencedRecord {
  readonly record: AuditRecord;
  readonly durable: Promise<void>;
}

/** The only write is append; records are never updated or deleted through the application. The one exception is
 *  retention (`prune`), which removes a verified prefix only after a checkpoint record describing it was appended. */
export interface AuditStore {
  /** Inserts the record unless (tenantId, seq) exists; resolves false when another writer took the sequence number. */
  insert(record: AuditRecord): Promise<boolean>;
  /** The record with the highest sequence number of a tenant. */
  head(tenantId: string): Promise<AuditRecord | undefined>;
  /** Records of one tenant in sequence order, from `fromSeq` (inclusive), at most `limit`. */
  range(tenantId: string, fromSeq: number, limit: number): Promise<AuditRecord[]>;
  /** Records of one tenant matching the filter, in sequence order, with seq > afterSeq, at most `limit`. */
  query(tenantId: string, filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /**
   * Optional, for a store that is the only writer of its data (the durable embedded store, which holds its
   * directory's lock): builds the next record on the tenant's current head and takes its place in the chain in one
   * synchronous step, so there is no race to lose and nothing to re-read. Returns the record and a promise that
   * resolves once the record is durable; the next record can be sequenced at once, before that (group commit).
   */
  sequence?(tenantId: string, build: (head: AuditRecord | undefined) => AuditRecord): SequencedRecord;
  /** Retention only: removes the records of a tenant with seq <= throughSeq; resolves how many were removed. */
  prune(tenantId: string, throughSeq: number): Promise<number>;
  /** Where personal data (kept outside the hashed records) lives, on the same backend. */
  readonly personal: PersonalDataStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}
