// Streamed export of a tenant's trail as JSON Lines or CSV. Records are read from the store page by page, so memory
// stays flat however long the trail. The export is pinned to the head read when it starts (records appended during
// the export are left out) and announces that head, so that a later verify can prove the export was complete.
import type { AuditFilter, AuditRecord, AuditStore } from './types.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportHead {
  readonly tenantId: string;
  readonly headSeq: number;
  readonly headHash: string;
  readonly exportedAt: string;
  readonly from?: string | undefined;
  readonly until?: string | undefined;
}

export const CSV_COLUMNS = [
  'seq',
  'ts',
  'tenantId',
  'actorMemberId',
  'actorPlatform',
  'actorPlatformUserId',
  'action',
  'target',
  'outcome',
  'details',
  'correlationId',
  'prevHash',
  'hash',
] as const;

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // A leading = + - @ would run as a formula in a spreadsheet: prefix it with a quote (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(record: AuditRecord): string {
  const cells = [
    record.seq,
    record.ts,
    record.tenantId,
    record.actor.memberId,
    record.actor.platform,
    record.actor.platformUserId,
    record.action,
    record.target,
    record.outcome,
    record.details,
    record.correlationId,
    record.prevHash,
    record.hash,
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}

export async function exportHead(
  store: AuditStore,
  tenantId: string,
  filter: Pick<AuditFilter, 'from' | 'until'>,
  now = new Date(),
): Promise<ExportHead> {
  const head = await store.head(tenantId);
  return {
    tenantId,
    headSeq: head?.seq ?? 0,
    headHash: head?.hash ?? '0'.repeat(64),
    exportedAt: now.toISOString(),
    from: filter.from,
    until: filter.until,
  };
}

/** Every record matching the filter up to the announced head, one page at a time. */
export async function* recordsUpTo(
  store: AuditStore,
  tenantId: string,
  filter: AuditFilter,
  headSeq: number,
  pageSize = 1000,
): AsyncGenerator<AuditRecord> {
  let after = 0;
  for (;;) {
    const page = await store.query(tenantId, { ...filter, maxSeq: headSeq }, after, pageSize);
    for (const record of page) yield record;
    if (page.length < pageSize) return;
    after = (page[page.length - 1] as AuditRecord).seq;
  }
}

/**
 * The export as text chunks. JSON Lines: a first line `{"export": {…head…}}`, then one record per line.
 * CSV: a first comment line `# void audit export tenant=… head_seq=… head_hash=…`, the header, then one row per record.
 */
export async function* exportLines(
  store: AuditStore,
  head: ExportHead,
  format: ExportFormat,
  filter: AuditFilter = {},
): AsyncGenerator<string> {
  if (format === 'jsonl') yield `${JSON.stringify({ export: head })}\n`;
  else {
    yield (
      `# void audit export tenant=${head.tenantId} head_seq=${head.headSeq} head_hash=${head.headHash} ` +
      `exported_at=${head.exportedAt}\n`
    );
    yield `${CSV_COLUMNS.join(',')}\n`;
  }
  let batch = '';
  let count = 0;
  for await (const record of recordsUpTo(store, head.tenantId, filter, head.headSeq)) {
    batch += format === 'jsonl' ? `${JSON.stringify(record)}\n` : csvRow(record);
    if (++count % 200 === 0) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}
