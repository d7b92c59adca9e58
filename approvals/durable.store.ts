// The durable embedded approval store (MONGODB_URL unset): every state change of a request (created, a decision, a
// transition, acknowledged, queued) is written as the whole record to VOID_DATA_DIR/state/approvals.log before the
// call resolves; snapshots compact that log (audit/storage/kv.ts). Conditions are checked in memory exactly as in the
// in-memory store it extends, so one process decides each race; the data directory's lock makes that process the
// only one. After a restart every pending request is pending again, with its decisions, and no lease is held.
import { openDataDir } from '../audit/storage/datadir.js';
import { DurableMap } from '../audit/storage/kv.js';
import { EmbeddedApprovalStore } from './embedded.store.js';
import type { ApprovalRecord } from './store.js';

export class DurableApprovalStore extends EmbeddedApprovalStore {
  private constructor(
    private readonly map: DurableMap<ApprovalRecord>,
    private readonly releaseDir: () => void,
  ) {
    super();
    for (const record of map.map.values())
      this.rows.set(this.key(record.tenantId, record.id), { record: structuredClone(record) });
  }

  /** Opens the approvals of a data directory (taking its lock), or a read-only view of them (no lock; writes fail). */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<DurableApprovalStore> {
    const dir = openDataDir(path, options);
    try {
      return new DurableApprovalStore(await DurableMap.open<ApprovalRecord>(dir, 'state', 'approvals'), () =>
        dir.release(),
      );
    } catch (error) {
      dir.release();
      throw error;
    }
  }

  protected override journal(record: ApprovalRecord): Promise<void> {
    return this.map.put(this.key(record.tenantId, record.id), record);
  }

  /** Every pending request of every tenant (expiry timers are scheduled again from these at start). */
  allPending(): ApprovalRecord[] {
    return [...this.map.map.values()].filter((r) => r.state === 'pending');
  }

  /** Every request of every tenant (backups). */
  all(): ApprovalRecord[] {
    return [...this.map.map.values()].map((r) => structuredClone(r));
  }

  override async close(): Promise<void> {
    await this.map.close();
    this.releaseDir();
  }
}
