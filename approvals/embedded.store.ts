// The embedded approval store (in process; used when MONGODB_URL is unset). Each method checks and changes a record
// in one synchronous step (no await in between), which is this store's conditional update: two callers racing in
// one process cannot both pass a condition. Records are cloned in and out so callers never share state.
import type { ApprovalRecord, ApprovalStore, Change, LeasePurpose } from './store.js';

interface Row {
  record: ApprovalRecord;
  lock?: { holder: string; until: number } | undefined;
}

export class EmbeddedApprovalStore implements ApprovalStore {
  private readonly rows = new Map<string, Row>();

  private key(tenantId: string, id: string): string {
    return `${tenantId}\u0000${id}`;
  }

  async create(record: ApprovalRecord): Promise<'created' | 'exists'> {
    const key = this.key(record.tenantId, record.id);
    if (this.rows.has(key)) return 'exists';
    this.rows.set(key, { record: structuredClone(record) });
    return 'created';
  }

  async get(tenantId: string, id: string): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    return row ? structuredClone(row.record) : undefined;
  }

  async lease(tenantId: string, id: string, purpose: LeasePurpose, holder: string, leaseMs: number, nowMs: number): Promise<ApprovalRecord | undefined> {
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
    row.record = structuredClone({ ...row.record, ...rest, decisions: decision ? [...row.record.decisions, decision] : row.record.decisions });
    row.lock = undefined;
    return structuredClone(row.record);
  }

  async acknowledge(tenantId: string, id: string, holder: string, by: string, at: string): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(this.key(tenantId, id));
    const glass = row?.record.breakGlass;
    if (!row || !glass || glass.followUp !== 'open' || row.lock?.holder !== holder) return undefined;
    row.record = structuredClone({ ...row.record, breakGlass: { ...glass, followUp: 'acknowledged' as const, acknowledgedBy: by, acknowledgedAt: at } });
    row.lock = undefined;
    return structuredClone(row.record);
  }

  async markQueued(tenantId: string, id: string, jobId: string): Promise<void> {
    const row = this.rows.get(this.key(tenantId, id));
    if (row && (row.record.state === 'approved')) row.record = { ...row.record, queued: true, jobId };
  }

  async findByFollowUp(tenantId: string, followUpId: string): Promise<ApprovalRecord | undefined> {
    const row = [...this.rows.values()].find((r) => r.record.tenantId === tenantId && r.record.breakGlass?.followUpId === followUpId);
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
