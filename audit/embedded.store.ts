// The embedded (in-process) audit store, used when MONGODB_URL is unset. Same contract as the MongoDB store.
import type { AuditRecord, AuditStore } from './types.js';

export class EmbeddedAuditStore implements AuditStore {
  private readonly chains = new Map<string, AuditRecord[]>();

  async insert(record: AuditRecord): Promise<boolean> {
    const chain = this.chains.get(record.tenantId) ?? [];
    const last = chain[chain.length - 1];
    const expected = last ? last.seq + 1 : 1;
    if (record.seq !== expected) return false;
    chain.push(Object.freeze(structuredClone(record)));
    this.chains.set(record.tenantId, chain);
    return true;
  }

  async head(tenantId: string): Promise<AuditRecord | undefined> {
    const chain = this.chains.get(tenantId);
    return chain?.[chain.length - 1];
  }

  async range(tenantId: string, fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const chain = this.chains.get(tenantId) ?? [];
    const start = chain.findIndex((r) => r.seq >= fromSeq);
    return start < 0 ? [] : chain.slice(start, start + limit);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
