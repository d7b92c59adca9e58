// The in-memory approval store: the index of the durable embedded store (durable.store.ts), and on its own the store
// of tests and of VOID_EMBEDDED_STORE=memory. Each method checks and changes a record in one synchronous step (no
// await in between), which is this store's conditional update: two callers racing in one process cannot both pass a
// condition. Every change is handed to `journal` in that same step (the durable store writes it to disk and the
// method resolves once it is there). Leases are not journaled: after a restart nobody holds one. Records are cloned
// in and out so callers never share state.
import type { ApprovalRecord, ApprovalStore, Change, LeasePurpose } from './store.js';

export interface Row {
  record: ApprovalRecord;
  lock?: { holder: string; until: number } | undefined;
}

export class EmbeddedApprovalStore implements ApprovalStore {
  protected readonly rows = new Map<string, Row>();

  protected key(tenantId: string, id: string): string {
    return `${tenantId}\u0000${id}`;
  }

  /** The durable store writes the record's new state here; resolves when it is on disk. */
  protected journal(_record: ApprovalRecord): Promise<void> {
    return Promise.resolve();
  }

  async create(record: ApprovalRecord): Promise<'created' | 'exists'> {
    const key = this.key(record.tenantId, record.id);
    if (this.rows.has(key)) return 'exists';
    const row = { record: structuredClone(record) };
    this.rows.set(key, row);
    await this.journal(row.record);
    return 'created';
  }

  async get(tenantId: string, id: string): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    return row ? structuredClone(row.record) : undefined;
  }

  async lease(
    tenantId: string,
    id: string,
    purpose: LeasePurpose,
    holder: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    if (!row || !eligible(row.record, purpose)) return undefined;
    if (row.lock && row.lock.until >= nowMs) return undefined;
    row.lock = { holder, until: nowMs + leaseMs };
    return structuredClone(row.record);
  }

  async release(tenantId: string, id: string, holder: string): Promise<void> {
    const row = this.rows.get(this.key(tenantId, id));
    if (row?.lock?.holder === holder) row.lock = undefined;
  }

  async commit(tenantId: string, id: string, holder: string, change: Change): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    if (!row || row.record.state !== 'pending' || row.lock?.holder !== holder) return undefined;
    if (change.decision && row.record.decisions.some((d) => d.memberId === change.decision?.memberId)) return undefined;
    const { decision, ...rest } = change;
    row.record = structuredClone({
      ...row.record,
      ...rest,
      decisions: decision ? [...row.record.decisions, decision] : row.record.decisions,
    });
    row.lock = undefined;
    await this.journal(row.record);
    return structuredClone(row.record);
  }

  async acknowledge(
    tenantId: string,
    id: string,
    holder: string,
    by: string,
    at: string,
  ): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    const glass = row?.record.breakGlass;
    if (!row || !glass || glass.followUp !== 'open' || row.lock?.holder !== holder) return undefined;
    row.record = structuredClone({
      ...row.record,
      breakGlass: { ...glass, followUp: 'acknowledged' as const, acknowledgedBy: by, acknowledgedAt: at },
    });
    row.lock = undefined;
    await this.journal(row.record);
    return structuredClone(row.record);
  }

  async markQueued(tenantId: string, id: string, jobId: string): Promise<void> {
    const row = this.rows.get(this.key(tenantId, id));
    if (!row || row.record.state !== 'approved') return;
    row.record = { ...row.record, queued: true, jobId };
    await this.journal(row.record);
  }

  async findByFollowUp(tenantId: string, followUpId: string): Promise<ApprovalRecord | undefined> {
    const row = [...this.rows.values()].find(
      (r) => r.record.tenantId === tenantId && r.record.breakGlass?.followUpId === followUpId,
    );
    return row ? structuredClone(row.record) : undefined;
  }

  async listPending(tenantId: string, limit: number): Promise<ApprovalRecord[]> {
    return this.select((r) => r.tenantId === tenantId && r.state === 'pending').slice(0, limit);
  }

  async listPendingByTarget(tenantId: string, target: string): Promise<ApprovalRecord[]> {
    return this.select((r) => r.tenantId === tenantId && r.state === 'pending' && r.target === target);
  }

  async openFollowUps(tenantId: string): Promise<ApprovalRecord[]> {
    return this.select((r) => r.tenantId === tenantId && r.breakGlass?.followUp === 'open');
  }

  private select(test: (r: ApprovalRecord) => boolean): ApprovalRecord[] {
    return [...this.rows.values()]
      .map((row) => row.record)
      .filter(test)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => structuredClone(r));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

function eligible(record: ApprovalRecord, purpose: LeasePurpose): boolean {
  return purpose === 'decide' ? record.state === 'pending' : record.breakGlass?.followUp === 'open';
}
