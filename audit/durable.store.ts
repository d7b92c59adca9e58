// The durable embedded audit store (MONGODB_URL unset): one append-only, checksummed log per tenant under
// VOID_DATA_DIR/audit/<tenant>.log, each line one record exactly as hashed; personal data in a durable map under
// state/personal. The whole trail is also held in memory (the in-memory store this class extends) for reads; an
// insert is acknowledged once its line is on disk (group commit, log.ts). Retention's prune compacts a tenant's log
// (the remaining records written to a new file, renamed over the old one).
import { readdirSync } from 'node:fs';
import { EmbeddedAuditStore } from './embedded.store.js';
import { EmbeddedPersonalDataStore, type PersonalDatum, type PersonalDataStore } from './personal.js';
import { openDataDir, type DataDir } from './storage/datadir.js';
import { DurableMap } from './storage/kv.js';
import { AppendLog, frame, scanLog } from './storage/log.js';
import type { AuditRecord, SequencedRecord } from './types.js';
import { verifyChain, type VerifyResult } from './verify.js';

export const AUDIT_FOLDER = 'audit';

/** Tenant ids are slugs (and `_system`); anything else is percent-encoded so that it stays one file name. */
export const tenantFileName = (tenantId: string): string =>
  `${/^[A-Za-z0-9_-]{1,64}$/.test(tenantId) ? tenantId : encodeURIComponent(tenantId).replace(/\./g, '%2E')}.log`;
const tenantOfFile = (name: string): string => decodeURIComponent(name.slice(0, -'.log'.length));

export class ReadOnlyStoreError extends Error {
  readonly code = 'store.read_only';
  constructor(dir: string) {
    super(
      `The data directory ${dir} is open read-only (another process owns it): nothing can be written through ` +
        `this view.`,
    );
    this.name = 'ReadOnlyStoreError';
  }
}

export class DurableAuditStore extends EmbeddedAuditStore {
  private readonly logs = new Map<string, Promise<AppendLog>>();
  /** Logs already open: appends to them are queued synchronously, in the order the records entered the chain. */
  private readonly ready = new Map<string, AppendLog>();
  private readonly early = new Map<string, Array<{ record: AuditRecord; resolve(): void; reject(e: unknown): void }>>();
  override readonly personal: PersonalDataStore;

  private constructor(
    readonly dir: DataDir,
    private readonly personalMap: DurableMap<PersonalDatum>,
  ) {
    super();
    const personal = new EmbeddedPersonalDataStore(
      dir.readOnly
        ? undefined
        : {
            put: (d) => personalMap.put(`${d.tenantId}\u0000${d.ref}`, d),
            remove: (d) => personalMap.delete(`${d.tenantId}\u0000${d.ref}`),
          },
    );
    personal.load(personalMap.map.values());
    this.personal = personal;
  }

  /**
   * Opens the trail in a data directory: takes the directory's lock (unless `readOnly`), loads every tenant's log,
   * cuts a torn tail (read-only: ignores it) and reports it in `dir.report`.
   */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<DurableAuditStore> {
    const dir = openDataDir(path, options);
    let personal: DurableMap<PersonalDatum>;
    try {
      personal = await DurableMap.open<PersonalDatum>(dir, 'state', 'personal');
    } catch (error) {
      dir.release();
      throw error;
    }
    const store = new DurableAuditStore(dir, personal);
    try {
      await store.load();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private async load(): Promise<void> {
    const folder = this.dir.file(AUDIT_FOLDER, '');
    let names: string[] = [];
    try {
      names = readdirSync(folder).filter((n) => n.endsWith('.log'));
    } catch {
      return;
    }
    for (const name of names) {
      const file = this.dir.file(AUDIT_FOLDER, name);
      const scan = scanLog<AuditRecord>(file);
      if (scan.torn) this.dir.report.torn.push(scan.torn);
      const tenantId = tenantOfFile(name);
      this.chains.set(
        tenantId,
        scan.entries.map((r) => Object.freeze(r)),
      );
      if (!this.dir.readOnly) {
        this.dir.claim(file);
        this.logs.set(tenantId, this.track(tenantId, AppendLog.open(file, scan.validBytes)));
      }
    }
    await Promise.all(this.logs.values());
  }

  /** The tenants that have a trail here. */
  tenants(): string[] {
    return [...this.chains.keys()].sort();
  }

  /** A tenant's records as stored, in order (backups read them here). */
  recordsOf(tenantId: string): readonly AuditRecord[] {
    return this.chains.get(tenantId) ?? [];
  }

  /** Disk flushes of a tenant's log since it was opened and the records they carried (group commit's batching). */
  flushesOf(tenantId: string): { writes: number; records: number } {
    const log = this.ready.get(tenantId);
    return { writes: log?.writes ?? 0, records: log?.entries ?? 0 };
  }

  /** Verifies every tenant's chain (at start, after a restore). */
  async verifyAll(): Promise<VerifyResult[]> {
    const out: VerifyResult[] = [];
    for (const tenantId of this.tenants()) out.push(await verifyChain(this, tenantId, { pageSize: 5000 }));
    return out;
  }

  override async insert(record: AuditRecord): Promise<boolean> {
    if (this.dir.readOnly) throw new ReadOnlyStoreError(this.dir.path);
    return super.insert(record);
  }

  /**
   * AuditStore.sequence: this process owns the directory (its lock), so the head in memory is the head. The record is
   * built on it and queued to the log in one synchronous step; `durable` resolves after the group-commit write that
   * carries it (log.ts), so callers acknowledge only what is on disk while the next record is already being built.
   */
  sequence(tenantId: string, build: (head: AuditRecord | undefined) => AuditRecord): SequencedRecord {
    if (this.dir.readOnly) throw new ReadOnlyStoreError(this.dir.path);
    const chain = this.chains.get(tenantId);
    const head = chain?.[chain.length - 1];
    const record = build(head);
    if (record.tenantId !== tenantId || record.seq !== (head ? head.seq + 1 : 1))
      throw new Error(`a record built for ${tenantId} does not follow its head`);
    return { record, durable: this.accept(record) };
  }

  override async prune(tenantId: string, throughSeq: number): Promise<number> {
    if (this.dir.readOnly) throw new ReadOnlyStoreError(this.dir.path);
    return super.prune(tenantId, throughSeq);
  }

  private logFor(tenantId: string): Promise<AppendLog> {
    let log = this.logs.get(tenantId);
    if (!log) {
      const file = this.dir.file(AUDIT_FOLDER, tenantFileName(tenantId));
      this.dir.claim(file);
      log = this.track(tenantId, AppendLog.open(file, 0));
      this.logs.set(tenantId, log);
    }
    return log;
  }

  private track(tenantId: string, opening: Promise<AppendLog>): Promise<AppendLog> {
    return opening.then((log) => {
      for (const e of this.early.get(tenantId)?.splice(0) ?? []) log.append(e.record).then(e.resolve, e.reject);
      this.early.delete(tenantId);
      this.ready.set(tenantId, log);
      return log;
    });
  }

  protected override journalInsert(record: AuditRecord): Promise<void> {
    const log = this.ready.get(record.tenantId);
    if (log) return log.append(record);
    // The tenant's log is still opening: queue in order; `track` appends these before anything later.
    const early = this.early.get(record.tenantId) ?? [];
    this.early.set(record.tenantId, early);
    const done = new Promise<void>((resolve, reject) => early.push({ record, resolve, reject }));
    void this.logFor(record.tenantId).catch((error: unknown) => early.splice(0).forEach((e) => e.reject(error)));
    return done;
  }

  protected override async journalPrune(tenantId: string): Promise<void> {
    const log = await this.logFor(tenantId);
    await log.rewrite(() => (this.chains.get(tenantId) ?? []).map((r) => frame(r)));
  }

  override async close(): Promise<void> {
    const logs = await Promise.all(this.logs.values());
    for (const log of logs) {
      await log.close();
      this.dir.unclaim(log.file);
    }
    this.logs.clear();
    this.ready.clear();
    await this.personalMap.close();
    this.dir.release();
  }
}
