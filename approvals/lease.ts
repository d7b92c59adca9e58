// The short lease that serialises the steps of one request: whoever holds it may append the audit record and then
// commit one conditional update; everyone else waits briefly or finds the request already decided.
import { randomUUID } from 'node:crypto';
import type { ApprovalDeps } from './deps.js';
import type { ApprovalRecord, LeasePurpose } from './store.js';

export type LeaseResult<T> =
  { leased: true; value: T } | { leased: false; record: ApprovalRecord | undefined; busy: boolean };

/**
 * Runs `work` while holding the request's lease. Another holder → short jittered retries; the request gone or no
 * longer pending (or follow-up no longer open) → `leased: false` with the record as it is now.
 */
export async function withLease<T>(
  deps: ApprovalDeps,
  tenantId: string,
  id: string,
  purpose: LeasePurpose,
  work: (record: ApprovalRecord, holder: string) => Promise<T>,
): Promise<LeaseResult<T>> {
  const holder = randomUUID();
  const deadline = Date.now() + 8_000;
  for (;;) {
    const record = await deps.store.lease(tenantId, id, purpose, holder, deps.leaseMs ?? 10_000, deps.now().getTime());
    if (record) {
      try {
        return { leased: true, value: await work(record, holder) };
      } finally {
        await deps.store.release(tenantId, id, holder).catch(() => undefined);
      }
    }
    const current = await deps.store.get(tenantId, id);
    const open =
      current && (purpose === 'decide' ? current.state === 'pending' : current.breakGlass?.followUp === 'open');
    if (!open || Date.now() > deadline) return { leased: false, record: current, busy: Boolean(open) };
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(Math.random() * 12)));
  }
}
