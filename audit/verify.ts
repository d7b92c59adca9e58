// Verification: recompute a tenant's chain page by page (constant memory) and name the first broken record and why.
import { refused, type Refusal } from '../bot/core/outcome.js';
import { GENESIS_HASH, hashRecord } from './hash.js';
import type { AuditRecord, AuditStore } from './types.js';

export type BreakReason = 'content_changed' | 'link_broken' | 'gap' | 'reordered' | 'prefix_missing' | 'truncated';

export interface ChainBreak {
  /** The sequence number where the chain breaks (the record that should be there). */
  readonly seq: number;
  readonly reason: BreakReason;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly tenantId: string;
  /** Records checked. */
  readonly checked: number;
  readonly firstSeq?: number | undefined;
  readonly head?: { readonly seq: number; readonly hash: string } | undefined;
  /** When older records were pruned by retention: the checkpoint that anchors the remaining chain. */
  readonly anchoredBy?: { readonly seq: number; readonly prunedThroughSeq: number } | undefined;
  readonly firstBreak?: ChainBreak | undefined;
  /** Set when the chain is broken: the refusal to trust it, in the one refusal shape (bot/core/outcome.ts). */
  readonly refusal?: Refusal | undefined;
}

/** A report's verdict when a link is broken: the refusal to trust the chain (the report's fields go beside it). */
const broken = (firstBreak: ChainBreak) => ({
  ...refused('audit.chain_broken', { seq: firstBreak.seq, reason: firstBreak.reason, message: firstBreak.message }),
  firstBreak,
});

export interface VerifyOptions {
  readonly pageSize?: number;
  /** A head announced earlier (e.g. by an export): the chain must still contain it, with this hash. */
  readonly expectedHead?: { readonly seq: number; readonly hash: string } | undefined;
  /** Called after each page with the records checked so far and the last sequence number checked (for progress). */
  readonly onProgress?: ((checked: number, lastSeq: number) => void | Promise<void>) | undefined;
}

/** The details an `audit.pruned` checkpoint carries (see retention.ts). */
export interface CheckpointDetails {
  readonly prunedFromSeq: number;
  readonly prunedThroughSeq: number;
  readonly prunedHeadHash: string;
  readonly prunedCount: number;
}

export function checkpointOf(record: AuditRecord): CheckpointDetails | undefined {
  const d = record.details as Partial<CheckpointDetails> | undefined;
  if (
    record.action !== 'audit.pruned' ||
    !d ||
    typeof d.prunedThroughSeq !== 'number' ||
    typeof d.prunedHeadHash !== 'string'
  )
    return undefined;
  return d as CheckpointDetails;
}

/** The checkpoint that says which hash the record before `firstSeq` had (records 1..firstSeq-1 were pruned). */
async function findAnchor(store: AuditStore, tenantId: string, firstSeq: number): Promise<AuditRecord | undefined> {
  let after = 0;
  for (;;) {
    const page = await store.query(tenantId, { action: 'audit.pruned' }, after, 100);
    const found = page.find((r) => checkpointOf(r)?.prunedThroughSeq === firstSeq - 1);
    if (found || page.length < 100) return found;
    after = (page[page.length - 1] as AuditRecord).seq;
  }
}

/** Why a record whose own hash does not match fails: moved from another position, or changed in place. */
function classifyMismatch(record: AuditRecord, expectedSeq: number): ChainBreak {
  for (let delta = 1; delta <= 16; delta++) {
    for (const seq of [expectedSeq + delta, expectedSeq - delta]) {
      if (seq > 0 && hashRecord({ ...record, seq }) === record.hash) {
        return {
          seq: expectedSeq,
          reason: 'reordered',
          message: `record ${expectedSeq} holds the content written as record ${seq}: records were reordered`,
        };
      }
    }
  }
  return {
    seq: expectedSeq,
    reason: 'content_changed',
    message: `record ${expectedSeq} was changed after it was written: its content no longer matches its hash`,
  };
}

function checkRecord(record: AuditRecord, expectedSeq: number, prevHash: string): ChainBreak | undefined {
  if (record.seq > expectedSeq) {
    return {
      seq: expectedSeq,
      reason: 'gap',
      message: `record ${expectedSeq} is missing (deleted): the chain jumps from ${expectedSeq - 1} to ${record.seq}`,
    };
  }
  if (record.seq < expectedSeq) {
    return {
      seq: expectedSeq,
      reason: 'reordered',
      message: `record ${record.seq} appears where record ${expectedSeq} belongs: records were reordered`,
    };
  }
  if (hashRecord(record) !== record.hash) return classifyMismatch(record, expectedSeq);
  if (record.prevHash !== prevHash) {
    return {
      seq: expectedSeq,
      reason: 'link_broken',
      message:
        `record ${expectedSeq} does not link to the record before it: its previous hash differs ` +
        `(record ${expectedSeq - 1} was rewritten, or this one was)`,
    };
  }
  return undefined;
}

export async function verifyChain(
  store: AuditStore,
  tenantId: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const first = (await store.range(tenantId, 0, 1))[0];
  if (!first) return finish(store, { tenantId, checked: 0 }, options, undefined);
  let prevHash = GENESIS_HASH;
  let anchoredBy: VerifyResult['anchoredBy'];
  if (first.seq > 1) {
    const anchor = await findAnchor(store, tenantId, first.seq);
    const details = anchor && checkpointOf(anchor);
    if (!anchor || !details) {
      const firstBreak: ChainBreak = {
        seq: 1,
        reason: 'prefix_missing',
        message: `records 1 to ${first.seq - 1} are missing and no retention checkpoint accounts for them`,
      };
      return { ...broken(firstBreak), tenantId, checked: 0, firstSeq: first.seq };
    }
    prevHash = details.prunedHeadHash;
    anchoredBy = { seq: anchor.seq, prunedThroughSeq: details.prunedThroughSeq };
  }
  let expected = first.seq;
  let checked = 0;
  let last: AuditRecord | undefined;
  for (
    let page = await store.range(tenantId, first.seq, pageSize);
    page.length;
    page = await store.range(tenantId, expected, pageSize)
  ) {
    for (const record of page) {
      const brokenAt = checkRecord(record, expected, prevHash);
      if (brokenAt)
        return {
          ...broken(brokenAt),
          tenantId,
          checked,
          firstSeq: first.seq,
          anchoredBy,
          head: last && { seq: last.seq, hash: last.hash },
        };
      prevHash = record.hash;
      expected = record.seq + 1;
      checked++;
      last = record;
    }
    if (page.length < pageSize) break;
    if (last) await options.onProgress?.(checked, last.seq);
  }
  return finish(store, { tenantId, checked, firstSeq: first.seq, anchoredBy }, options, last);
}

async function finish(
  store: AuditStore,
  partial: Omit<VerifyResult, 'ok' | 'refusal'>,
  options: VerifyOptions,
  last: AuditRecord | undefined,
): Promise<VerifyResult> {
  const head = last && { seq: last.seq, hash: last.hash };
  const expectedHead = options.expectedHead;
  if (expectedHead && (!head || head.seq < expectedHead.seq)) {
    const firstBreak: ChainBreak = {
      seq: (head?.seq ?? 0) + 1,
      reason: 'truncated',
      message:
        `the chain ends at record ${head?.seq ?? 0}, but record ${expectedHead.seq} was announced earlier: ` +
        `the newest records were deleted`,
    };
    return { ...partial, ...broken(firstBreak), head };
  }
  const moved = expectedHead && (await checkAnnouncedHead(store, partial.tenantId, expectedHead));
  if (moved) return { ...partial, ...broken(moved), head };
  return { ...partial, ok: true, head };
}

/** Checks that a head announced earlier (seq + hash) is still part of the verified chain. */
export async function checkAnnouncedHead(
  store: AuditStore,
  tenantId: string,
  announced: { seq: number; hash: string },
): Promise<ChainBreak | undefined> {
  const record = (await store.range(tenantId, announced.seq, 1))[0];
  if (!record || record.seq !== announced.seq)
    return {
      seq: announced.seq,
      reason: 'truncated',
      message: `record ${announced.seq}, announced earlier, is no longer in the trail`,
    };
  if (record.hash !== announced.hash)
    return {
      seq: announced.seq,
      reason: 'content_changed',
      message: `record ${announced.seq} now has a different hash than the one announced earlier`,
    };
  return undefined;
}

export function describeVerify(result: VerifyResult): string {
  if (result.ok) {
    const range = result.checked ? `records ${result.firstSeq} to ${result.head?.seq}` : 'no records yet';
    const pruned = result.anchoredBy
      ? ` (records up to ${result.anchoredBy.prunedThroughSeq} were pruned by retention; ` +
        `checkpoint ${result.anchoredBy.seq})`
      : '';
    return (
      `Audit trail of ${result.tenantId} verified: ${result.checked} record(s), ${range}${pruned}. ` +
      `Head hash ${result.head?.hash ?? GENESIS_HASH}.`
    );
  }
  const b = result.firstBreak as ChainBreak;
  return (
    `Audit trail of ${result.tenantId} is BROKEN at record ${b.seq} ` +
    `(${b.reason.replace('_', ' ')}): ${b.message}. ${result.checked} record(s) before it verified.`
  );
}
