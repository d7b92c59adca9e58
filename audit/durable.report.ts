// What the durable embedded store says when a process opens it: the repairs it made (torn tails, a stale lock) and the
// verdict on every tenant's chain, logged once at start so that an operator sees a broken chain before anything else.
import type { Logger } from '../bot/core/logger.js';
import type { DurableAuditStore } from './durable.store.js';
import { describeReport } from './storage/datadir.js';
import { describeVerify } from './verify.js';

/**
 * Start-up report of the durable embedded store: what was repaired (torn tails, a stale lock) and every chain verified.
 */
export async function reportDataDir(store: DurableAuditStore, log: Logger): Promise<void> {
  for (const line of describeReport(store.dir.report)) log.warn({ dataDir: store.dir.path }, line);
  const results = await store.verifyAll();
  for (const broken of results.filter((r) => !r.ok))
    log.error({ tenant: broken.tenantId, firstBreak: broken.firstBreak }, describeVerify(broken));
  const records = results.reduce((n, r) => n + r.checked, 0);
  log.info(
    {
      dataDir: store.dir.path,
      tenants: results.length,
      records,
      verified: results.every((r) => r.ok),
      repaired: store.dir.report.torn.length,
    },
    'embedded store opened',
  );
}
