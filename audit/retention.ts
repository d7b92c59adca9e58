// Retention: records older than the tenant's retention period are pruned, but only after the whole chain verified
// and a checkpoint record (`audit.pruned`) was appended that carries the hash of the pruned prefix's last record.
// The remaining chain then verifies from that anchor: the first kept record links to the checkpoint's hash.
import { refused, type Outcome } from '../bot/core/outcome.js';
import type { AuditTrail } from './trail.js';
import type { AuditRecord } from './types.js';
import { describeVerify, verifyChain, type CheckpointDetails } from './verify.js';

export interface PruneResult {
  readonly pruned: number;
  readonly checkpoint?: AuditRecord | undefined;
}

/** The last record written before `cutoff` (ISO), scanning from the oldest kept record; undefined if none. */
async function lastBefore(trail: AuditTrail, tenantId: string, cutoff: string): Promise<AuditRecord | undefined> {
  let last: AuditRecord | undefined;
  let after = 0;
  for (;;) {
    const page = await trail.store.query(tenantId, {}, after, 1000);
    for (const record of page) {
      if (record.ts >= cutoff) return last;
      last = record;
    }
    if (page.length < 1000) return last;
    after = (page[page.length - 1] as AuditRecord).seq;
  }
}

export async function pruneTenant(
  trail: AuditTrail,
  tenantId: string,
  cutoff: Date,
  trigger = 'retention',
): Promise<Outcome<PruneResult>> {
  const cut = await lastBefore(trail, tenantId, cutoff.toISOString());
  if (!cut) return { ok: true, value: { pruned: 0 } };
  const verified = await verifyChain(trail.store, tenantId);
  if (!verified.ok) return refused('audit.prune_refused', { why: describeVerify(verified) });
  const details: CheckpointDetails & Record<string, unknown> = {
    prunedFromSeq: verified.firstSeq ?? 1,
    prunedThroughSeq: cut.seq,
    prunedHeadHash: cut.hash,
    prunedCount: cut.seq - (verified.firstSeq ?? 1) + 1,
    cutoff: cutoff.toISOString(),
    trigger,
  };
  const checkpoint = await trail.append({
    tenantId,
    action: 'audit.pruned',
    actor: { platform: 'system' },
    target: `records ${details.prunedFromSeq}-${details.prunedThroughSeq}`,
    outcome: 'success',
    details,
    correlationId: `retention-${cutoff.toISOString()}`,
  });
  const pruned = await trail.store.prune(tenantId, cut.seq);
  return { ok: true, value: { pruned, checkpoint } };
}

export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 24 * 3600 * 1000);
}
