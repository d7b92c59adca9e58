// Backups of the durable embedded store: one file, in the log format of log.ts (every line checksummed), with a
// header, every tenant's audit records, the approvals, Slack installations and personal data, any extra sections
// the caller adds (API token digests from Redis), and a trailer with the counts and the SHA-256 of everything before
// it. Taken online from read-only views (no lock): state first, then the audit logs, so that every state change's
// audit record (always written before the change) is in the backup. Restored only into an empty data directory, by
// writing the files directly (one fdatasync per file, not per record); the restore then opens the store the normal
// way and verifies every chain before it reports success.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DurableApprovalStore } from '../approvals/durable.store.js';
import type { ApprovalRecord } from '../approvals/store.js';
import { AUDIT_FOLDER, DurableAuditStore, tenantFileName } from '../audit/durable.store.js';
import type { PersonalDatum } from '../audit/personal.js';
import type { AuditRecord } from '../audit/types.js';
import { verifyChain, type VerifyResult } from '../audit/verify.js';
import { ensurePrivateDir, openDataDir } from '../audit/storage/datadir.js';
import { DurableMap } from '../audit/storage/kv.js';
import { CorruptLogError, FILE_MODE, frame, scanLog, syncDir, writeFileAtomic } from '../audit/storage/log.js';

export const BACKUP_FORMAT = 'void-backup/1';

type Section = 'audit' | 'approval' | 'installation' | 'personal' | 'extra';
type Line =
  | { h: typeof BACKUP_FORMAT; createdAt: string; source: string }
  | { s: Section; v: unknown; n?: string }
  | { end: Record<string, number>; sha256: string };

export interface BackupSummary {
  readonly file: string;
  readonly tenants: number;
  readonly counts: Record<string, number>;
  readonly bytes: number;
  readonly seconds: number;
}

class BackupWriter {
  private readonly hash = createHash('sha256');
  private buffer = '';
  readonly counts: Record<string, number> = {};
  bytes = 0;

  constructor(private readonly fd: number) {}

  line(entry: Line): void {
    const text = frame(entry);
    this.hash.update(text);
    this.buffer += text;
    this.bytes += Buffer.byteLength(text);
    if ('s' in entry) this.counts[entry.s] = (this.counts[entry.s] ?? 0) + 1;
    if (this.buffer.length > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buffer) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }

  finish(): void {
    const end = frame({ end: this.counts, sha256: this.hash.digest('hex') });
    this.buffer += end;
    this.bytes += Buffer.byteLength(end);
    this.flush();
    fdatasyncSync(this.fd);
  }
}

/** Writes a backup of the data directory at `dataDir` to `file` (atomically: a temporary file renamed at the end). */
export async function backupDataDir(
  dataDir: string,
  file: string,
  extras: Record<string, unknown> = {},
): Promise<BackupSummary> {
  const started = performance.now();
  const approvals = await DurableApprovalStore.open(dataDir, { readOnly: true });
  const installations = await readOnlyMap<unknown>(dataDir, 'slack-installations');
  const personal = await readOnlyMap<PersonalDatum>(dataDir, 'personal');
  const audit = await DurableAuditStore.open(dataDir, { readOnly: true });
  const tmp = `${file}.partial`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    const out = new BackupWriter(fd);
    out.line({ h: BACKUP_FORMAT, createdAt: new Date().toISOString(), source: 'embedded' });
    for (const record of approvals.all()) out.line({ s: 'approval', v: record });
    for (const record of installations) out.line({ s: 'installation', v: record });
    for (const [name, value] of Object.entries(extras)) out.line({ s: 'extra', n: name, v: value });
    for (const datum of personal) out.line({ s: 'personal', v: datum });
    for (const tenantId of audit.tenants())
      for (const record of audit.recordsOf(tenantId)) out.line({ s: 'audit', v: record });
    out.finish();
    closeSync(fd);
    renameSync(tmp, file);
    syncDir(dirname(file));
    return {
      file,
      tenants: audit.tenants().length,
      counts: out.counts,
      bytes: out.bytes,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  } finally {
    await Promise.all([approvals.close(), audit.close()]);
  }
}

async function readOnlyMap<V>(dataDir: string, name: string): Promise<V[]> {
  const dir = openDataDir(dataDir, { readOnly: true });
  try {
    const map = await DurableMap.open<V>(dir, 'state', name);
    return [...map.map.values()];
  } finally {
    dir.release();
  }
}

export class BackupError extends Error {
  readonly code = 'backup.invalid';
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupContent {
  readonly createdAt: string;
  readonly source: string;
  readonly audit: Map<string, AuditRecord[]>;
  readonly approvals: ApprovalRecord[];
  readonly installations: Array<{ teamId: string }>;
  readonly personal: PersonalDatum[];
  readonly extras: Record<string, unknown>;
}

/** Reads and checks a backup: every line's checksum, the trailer's counts and SHA-256. */
export function readBackup(file: string): BackupContent {
  let scan;
  try {
    scan = scanLog<Line>(file);
  } catch (error) {
    if (error instanceof CorruptLogError) throw new BackupError(`${file} is damaged: ${error.message.split(' (')[0]}`);
    throw error;
  }
  const [head, ...rest] = scan.entries;
  const end = rest.pop();
  if (scan.torn || !head || !('h' in head) || head.h !== BACKUP_FORMAT || !end || !('end' in end))
    throw new BackupError(
      `${file} is not a complete Void backup (${scan.torn ? scan.torn.reason : 'no header or trailer'}).`,
    );
  const hash = createHash('sha256');
  hash.update(frame(head));
  const content: BackupContent = {
    createdAt: head.createdAt,
    source: head.source,
    audit: new Map(),
    approvals: [],
    installations: [],
    personal: [],
    extras: {},
  };
  const counts: Record<string, number> = {};
  for (const line of rest) {
    hash.update(frame(line));
    if (!('s' in line)) throw new BackupError(`${file} has an unexpected line.`);
    counts[line.s] = (counts[line.s] ?? 0) + 1;
    if (line.s === 'audit') {
      const record = line.v as AuditRecord;
      const chain = content.audit.get(record.tenantId) ?? [];
      chain.push(record);
      content.audit.set(record.tenantId, chain);
    } else if (line.s === 'approval') content.approvals.push(line.v as ApprovalRecord);
    else if (line.s === 'installation') content.installations.push(line.v as { teamId: string });
    else if (line.s === 'personal') content.personal.push(line.v as PersonalDatum);
    else content.extras[line.n ?? ''] = line.v;
  }
  if (hash.digest('hex') !== end.sha256 || JSON.stringify(sorted(counts)) !== JSON.stringify(sorted(end.end)))
    throw new BackupError(
      `${file} does not match its own trailer (counts or SHA-256): it was changed or cut after it was written.`,
    );
  return content;
}

const sorted = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

export interface RestoreSummary {
  readonly tenants: number;
  readonly records: number;
  readonly approvals: number;
  readonly pending: number;
  readonly verify: VerifyResult[];
  readonly extras: Record<string, unknown>;
  readonly seconds: number;
}

/** Restores a backup into an EMPTY data directory, then opens it and verifies every chain. */
export async function restoreDataDir(file: string, dataDir: string): Promise<RestoreSummary> {
  const started = performance.now();
  const content = readBackup(file);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    throw new BackupError(
      `${dataDir} is not empty: restore only into an empty data directory (move the old one aside first).`,
    );
  ensurePrivateDir(dataDir);
  const dir = openDataDir(dataDir);
  try {
    for (const [tenantId, records] of content.audit)
      writeFileAtomic(
        dir.file(AUDIT_FOLDER, tenantFileName(tenantId)),
        records.map((r) => frame(r)),
      );
    writeFileAtomic(
      dir.file('state', 'approvals.snapshot'),
      content.approvals.map((r) => frame({ k: `${r.tenantId}\u0000${r.id}`, v: r })),
    );
    writeFileAtomic(
      dir.file('state', 'slack-installations.snapshot'),
      content.installations.map((r) => frame({ k: r.teamId, v: r })),
    );
    writeFileAtomic(
      dir.file('state', 'personal.snapshot'),
      content.personal.map((d) => frame({ k: `${d.tenantId}\u0000${d.ref}`, v: d })),
    );
  } finally {
    dir.release();
  }
  const audit = await DurableAuditStore.open(dataDir);
  try {
    const verify: VerifyResult[] = [];
    for (const tenantId of audit.tenants()) verify.push(await verifyChain(audit, tenantId, { pageSize: 5000 }));
    const records = verify.reduce((n, r) => n + r.checked, 0);
    return {
      tenants: verify.length,
      records,
      approvals: content.approvals.length,
      pending: content.approvals.filter((a) => a.state === 'pending').length,
      verify,
      extras: content.extras,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await audit.close();
  }
}
