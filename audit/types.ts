// The audit record and the store port. Every step Void takes appends one record to its tenant's hash chain.
import type { AuditRecord } from '../bot/core/audit.js';
import type { PersonalDataStore } from './personal.js';

// The event vocabulary (actions, actor, event, record) is the kernel's, so that every layer can write to the trail.
export {
  AUDIT_ACTIONS,
  AUDIT_ACTION_FAMILIES,
  SYSTEM_TENANT,
  auditActorOf,
  isAuditAction,
  type AuditAction,
  type AuditActor,
  type AuditEventInput,
  type AuditOutcome,
  type AuditRecord,
} from '../bot/core/audit.js';

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
