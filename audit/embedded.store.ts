// The in-memory audit store: the index the durable embedded store (durable.store.ts) keeps in memory, and on its own
// the store of tests and of VOID_EMBEDDED_STORE=memory (nothing survives the process). Same contract as MongoDB.
import { EmbeddedPersonalDataStore, type PersonalDataStore } from './personal.js';
import { matchesFilter } from './query.js';
import type { AuditFilter, AuditRecord, AuditStore, SequencedRecord } from './types.js';

export class EmbeddedAuditStore implements AuditStore {
  protected readonly chains = new Map<string, AuditRecord[]>();
  readonly personal: PersonalDataStore = new EmbeddedPersonalDataStore();

  async insert(record: AuditRecord): Promise<boolean> {
    const chain = this.chains.get(record.tenantId) ?? [];
    const last = chain[chain.length - 1];
    const expected = last ? last.seq + 1 : 1;
    if (record.seq !== expected) return false;
    await this.accept(record);
    return true;
  }

  /**
   * Adds a record whose seq was checked; the journal (durable store) is told in the same synchronous step, in order.
   */
  protected accept(record: AuditRecord): Promise<void> {
    return this.keep(Object.freeze(structuredClone(record)));
  }

  /** Adds a record that nobody else can change (a frozen copy, or frozen whole) to its tenant's chain, then its log. */
  protected keep(stored: AuditRecord): Promise<void> {
    const chain = this.chains.get(stored.tenantId) ?? [];
    chain.push(stored);
    this.chains.set(stored.tenantId, chain);
    return this.journalInsert(stored);
  }

  /** The durable store writes the record to its tenant's log here; resolves when it is on disk. */
  protected journalInsert(_record: AuditRecord): Promise<void> {
    return Promise.resolve();
  }

  /** The durable store rewrites the tenant's log without the pruned records here. */
  protected journalPrune(_tenantId: string): Promise<void> {
    return Promise.resolve();
  }

  async head(tenantId: string): Promise<AuditRecord | undefined> {
    const chain = this.chains.get(tenantId);
    return chain?.[chain.length - 1];
  }

  async range(tenantId: string, fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const chain = this.chains.get(tenantId) ?? [];
    const start = firstIndexAbove(chain, fromSeq - 1);
    return chain.slice(start, start + limit);
  }

  async query(tenantId: string, filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const chain = this.chains.get(tenantId) ?? [];
    const out: AuditRecord[] = [];
    for (let i = firstIndexAbove(chain, afterSeq); i < chain.length && out.length < limit; i++) {
      const record = chain[i] as AuditRecord;
      if (filter.maxSeq !== undefined && record.seq > filter.maxSeq) break;
      if (matchesFilter(record, filter)) out.push(record);
    }
    return out;
  }

  async prune(tenantId: string, throughSeq: number): Promise<number> {
    const chain = this.chains.get(tenantId) ?? [];
    const cut = firstIndexAbove(chain, throughSeq);
    chain.splice(0, cut);
    if (cut > 0) await this.journalPrune(tenantId);
    return cut;
  }

  /**
   * Storage-level access to a tenant's records, as a database administrator's shell would give: the application
   * never calls it. Tamper-evidence tests use it to change, delete and reorder stored records behind Void's back.
   */
  storageForTamperTests(tenantId: string): AuditRecord[] {
    return this.chains.get(tenantId) ?? [];
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Index of the first record with seq > afterSeq (records are in sequence order; binary search). */
function firstIndexAbove(chain: readonly AuditRecord[], afterSeq: number): number {
  let lo = 0;
  let hi = chain.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((chain[mid] as AuditRecord).seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The store of VOID_EMBEDDED_STORE=memory: nothing but this process writes it, so the head in memory is the head, and
 * a record is built on it and takes its place in one synchronous step (AuditStore.sequence): no race to lose, nothing
 * to read back. (Tests that make appends fail override EmbeddedAuditStore.insert, which this path does not take.)
 */
export class MemoryAuditStore extends EmbeddedAuditStore {
  sequence(tenantId: string, build: (head: AuditRecord | undefined) => AuditRecord): SequencedRecord {
    const chain = this.chains.get(tenantId);
    const head = chain?.[chain.length - 1];
    const record = build(head);
    if (record.tenantId !== tenantId || record.seq !== (head ? head.seq + 1 : 1))
      throw new Error(`a record built for ${tenantId} does not follow its head`);
    // Built for this call (actor and details copied afresh by the trail): frozen whole instead of copied.
    return { record, durable: this.keep(freezeRecord(record)) };
  }
}

/** Freezes a record and every object in it: its actor and its details are its only fields that are objects. */
function freezeRecord(record: AuditRecord): AuditRecord {
  deepFreeze(record.actor);
  if (record.details) deepFreeze(record.details);
  return Object.freeze(record);
}

function deepFreeze<T extends object>(value: T): T {
  for (const key in value) {
    const v = value[key];
    if (v !== null && typeof v === 'object') deepFreeze(v);
  }
  return Object.freeze(value);
}
