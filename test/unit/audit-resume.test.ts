// Resumed work (AuditLog.resume): an intake item run again after its worker was killed must not record twice what its
// first run recorded (the single-node fault test found `approval.requested` twice for one request after a SIGKILL).
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyChain } from '../../audit/verify.js';
import { event } from '../helpers/audit.js';

describe('resumed work on the audit trail', () => {
  it('does not repeat a record its first run made, and records what the first run had not reached', async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store);
    const first = event('acme', { correlationId: 'slack:Ev1', action: 'approval.requested', target: 'ap-1' });
    const written = await trail.append(first);
    // The process died here; the item runs again under the same correlation id.
    trail.resume('slack:Ev1');
    const again = await trail.append({ ...first, details: { note: 'second run' } });
    expect(again.seq).toBe(written.seq);
    const next = await trail.append(event('acme', { correlationId: 'slack:Ev1', action: 'job.queued', target: 'j-1' }));
    expect(next.seq).toBe(written.seq + 1);
    const records = await store.range('acme', 1, 100);
    expect(records.map((r) => r.action)).toEqual(['approval.requested', 'job.queued']);
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
  });

  it('leaves every other append alone: other requests, other targets, and work that is not resumed', async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store);
    const base = { correlationId: 'slack:Ev2', action: 'command.received' as const, target: 'status' };
    await trail.append(event('acme', base));
    // Not resumed: a second record of the same kind is written (a new delivery would have its own id anyway).
    await trail.append(event('acme', base));
    trail.resume('slack:Ev2');
    await trail.append(event('acme', { ...base, target: 'deploy api' }));
    await trail.append(event('acme', { ...base, correlationId: 'slack:Ev3' }));
    await trail.append(event('acme', base));
    const records = await store.range('acme', 1, 100);
    expect(records.map((r) => [r.correlationId, r.target])).toEqual([
      ['slack:Ev2', 'status'],
      ['slack:Ev2', 'status'],
      ['slack:Ev2', 'deploy api'],
      ['slack:Ev3', 'status'],
    ]);
  });
});
