// The in-memory audit store: the index the durable embedded store (durable.store.ts) keeps in memory, and on its own
// the store of tests and of VOID_EMBEDDED_STORE=memory (nothing survives the process). Same contract as MongoDB.
import { EmbeddedPersonalDataStore, type PersonalDataStore } from './personal.js';
import { matchesFilter } from './query.js';
import type { AuditFilter, AuditRecord, AuditStore } from './types.js';

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
    const chain = this.chains.get(record.tenantId) ?? [];
    const stored = Object.freeze(structuredClone(record));
    chain.push(stored);
    this.chains.set(record.tenantId, chain);
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
