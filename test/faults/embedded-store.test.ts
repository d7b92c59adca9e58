// RELIABILITY.md #32 and the durable embedded store's promises, in one process against real files: what was
// acknowledged is there after reopening; a torn tail is cut to the last whole record and reported, and the chain
// verifies; damage followed by whole records is refused, not cut; a live owner's lock is refused with the holder
// named, a dead owner's lock is replaced and reported; the directory is private; snapshots compact the state log.
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableApprovalStore } from '../../approvals/durable.store.js';
import type { ApprovalRecord } from '../../approvals/store.js';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { DataDirLockedError } from '../../audit/storage/datadir.js';
import { DurableMap } from '../../audit/storage/kv.js';
import { CorruptLogError } from '../../audit/storage/log.js';
import { openDataDir } from '../../audit/storage/datadir.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyChain } from '../../audit/verify.js';
import { DurableInstallationRecords } from '../../bot/slack/installations.js';
import { event, freshDataDir } from '../helpers/audit.js';

async function trailWith(path: string, tenants: Record<string, number>): Promise<DurableAuditStore> {
  const store = await DurableAuditStore.open(path);
  const trail = new AuditTrail(store);
  for (const [tenantId, n] of Object.entries(tenants))
    await Promise.all(Array.from({ length: n }, () => trail.append(event(tenantId))));
  return store;
}

function pending(id: string): ApprovalRecord {
  return {
    id,
    tenantId: 'acme',
    state: 'pending',
    rule: 'deploys',
    kind: 'deploy',
    command: { name: 'deploy', service: 'payments', environment: 'production', ref: 'v1' },
    summary: 'deploy payments',
    target: 'payments@production',
    requester: { memberId: 'alice', name: 'Alice', platform: 'slack', platformUserId: 'U0ALICE01' },
    thread: { platform: 'slack', channel: 'C1', thread: '1.2' },
    correlationId: 'c',
    deliveryId: `d-${id}`,
    quorum: [{ count: 2, roles: ['tech_lead'] }],
    voidOnTargetChange: true,
    cancel: ['requester'],
    decisions: [],
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    queued: false,
  };
}

describe('durable embedded store on real files', () => {
  it(
    'keeps every acknowledged record, personal datum, ' + 'approval decision and installation across a reopen',
    async () => {
      const path = freshDataDir();
      const store = await trailWith(path, { acme: 50, globex: 20 });
      const ref = await store.personal.put('acme', 'alice', 'reason', 'because the pager went off');
      await store.close();
      const approvals = await DurableApprovalStore.open(path);
      await approvals.create(pending('ap-1'));
      await approvals.lease('acme', 'ap-1', 'decide', 'h1', 10_000, Date.now());
      await approvals.commit('acme', 'ap-1', 'h1', {
        decision: {
          memberId: 'bob',
          name: 'Bob',
          decision: 'approve',
          platform: 'slack',
          platformUserId: 'U0BOB0001',
          roles: ['tech_lead'],
          at: new Date().toISOString(),
        },
      });
      await approvals.lease('acme', 'ap-1', 'decide', 'h2', 10_000, Date.now());
      await approvals.close();
      const installs = await DurableInstallationRecords.open(path);
      await installs.upsert({
        tenantId: 'acme',
        teamId: 'T0ACME001',
        sealedToken: 'sealed',
        botId: 'B1',
        botUserId: 'U1',
        scopes: ['chat:write'],
        installedAt: '2026-12-01T00:00:00.000Z',
      });
      await installs.close();

      const again = await DurableAuditStore.open(path);
      expect((await again.head('acme'))?.seq).toBe(50);
      expect((await verifyChain(again, 'acme')).ok).toBe(true);
      expect((await verifyChain(again, 'globex')).checked).toBe(20);
      expect((await again.personal.get('acme', ref))?.value).toBe('because the pager went off');
      await new AuditTrail(again).append(event('acme'));
      expect((await again.head('acme'))?.seq).toBe(51);
      await again.close();
      const reopened = await DurableApprovalStore.open(path);
      const record = await reopened.get('acme', 'ap-1');
      expect(record?.state).toBe('pending');
      expect(record?.decisions.map((d) => d.memberId)).toEqual(['bob']);
      // The lease h2 held when the store closed is not kept: after a restart nobody holds one.
      expect(await reopened.lease('acme', 'ap-1', 'decide', 'h3', 10_000, Date.now())).toBeDefined();
      await reopened.close();
      const installsAgain = await DurableInstallationRecords.open(path);
      expect((await installsAgain.findByTeam('T0ACME001'))?.sealedToken).toBe('sealed');
      await installsAgain.close();
    },
  );

  it(
    "one tenant's concurrent appends share disk flushes (group commit), " +
      'each acknowledged only once its line is in the file',
    async () => {
      const path = freshDataDir();
      const store = await DurableAuditStore.open(path);
      const trail = new AuditTrail(store);
      const file = join(path, 'audit', 'acme.log');
      const onDisk: boolean[] = [];
      await Promise.all(
        Array.from({ length: 200 }, () =>
          trail
            .append(event('acme'))
            .then((r) => onDisk.push(readFileSync(file, 'utf8').includes(`"hash":"${r.hash}"`))),
        ),
      );
      expect(onDisk).toHaveLength(200);
      expect(onDisk.every(Boolean)).toBe(true);
      // One trail sequences the next record while the previous ones are being written: 200 records, a few flushes.
      const { writes, records } = store.flushesOf('acme');
      expect(records).toBe(200);
      expect(writes).toBeLessThanOrEqual(20);
      await store.close();
      const again = await DurableAuditStore.open(path);
      expect(await verifyChain(again, 'acme')).toMatchObject({ ok: true, checked: 200 });
      await again.close();
    },
  );

  it('cuts a torn tail to the last whole record, reports it, and the chain verifies and grows on', async () => {
    const path = freshDataDir();
    await (await trailWith(path, { acme: 10 })).close();
    const file = join(path, 'audit', 'acme.log');
    const whole = statSync(file).size;
    // A crash in the middle of a write: half of a record's line, no newline.
    const line = readFileSync(file, 'utf8').split('\n')[3] as string;
    appendFileSync(file, line.slice(0, 40));
    const store = await DurableAuditStore.open(path);
    expect(store.dir.report.torn).toEqual([
      expect.objectContaining({ file, offset: whole, droppedBytes: 40, reason: 'unfinished last line' }),
    ]);
    expect(statSync(file).size).toBe(whole);
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
    await new AuditTrail(store).append(event('acme'));
    await store.close();
    // A whole last line whose checksum does not match (bits flipped on the way to disk) is a torn tail too.
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, `${text.slice(0, -3)}X"}\n`);
    const again = await DurableAuditStore.open(path);
    expect(again.dir.report.torn[0]?.reason).toBe('checksum mismatch');
    expect((await again.head('acme'))?.seq).toBe(10);
    expect((await verifyChain(again, 'acme')).ok).toBe(true);
    await again.close();
  });

  it(
    'refuses damage with whole records after it (not a torn write) ' + 'instead of cutting acknowledged records',
    async () => {
      const path = freshDataDir();
      await (await trailWith(path, { acme: 5 })).close();
      const file = join(path, 'audit', 'acme.log');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[1] = (lines[1] as string).replace('"seq":2', '"seq":9');
      writeFileSync(file, lines.join('\n'));
      await expect(DurableAuditStore.open(path)).rejects.toThrow(CorruptLogError);
      await expect(DurableAuditStore.open(path)).rejects.toThrow(
        /damaged at byte \d+ \(checksum mismatch\).*Restore the data directory from a backup/,
      );
    },
  );

  it('creates the directory private to its user (0700) and its files 0600', async () => {
    const path = freshDataDir();
    await (await trailWith(path, { acme: 1 })).close();
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, 'audit')).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, 'audit', 'acme.log')).mode & 0o777).toBe(0o600);
  });

  it(
    'refuses a data directory whose lock a live process holds, ' +
      'naming it; replaces the lock of a dead one and says so',
    async () => {
      const path = freshDataDir();
      await (await trailWith(path, { acme: 1 })).close();
      // PID 1 is alive on every machine and is not this process.
      writeFileSync(
        join(path, 'LOCK'),
        JSON.stringify({ pid: 1, host: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }),
      );
      const refused = await DurableAuditStore.open(path).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect(String((refused as Error).message)).toContain(
        `in use by process 1 on host ${hostname()} (since 2026-12-01T00:00:00.000Z)`,
      );
      // A process that no longer runs (pid far above pid_max) left its lock behind.
      writeFileSync(
        join(path, 'LOCK'),
        JSON.stringify({ pid: 2 ** 30, host: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }),
      );
      const store = await DurableAuditStore.open(path);
      expect(store.dir.report.staleLock?.pid).toBe(2 ** 30);
      expect(JSON.parse(readFileSync(join(path, 'LOCK'), 'utf8'))).toMatchObject({
        pid: process.pid,
        host: hostname(),
      });
      await store.close();
    },
  );

  it('compacts the state log into a snapshot; the map reads the same after reopening', async () => {
    const path = freshDataDir();
    const dir = openDataDir(path);
    const map = await DurableMap.open<{ n: number; pad: string }>(dir, 'state', 'compact-test', {
      compactAtBytes: 10_000,
    });
    for (let i = 0; i < 400; i++) await map.put(`k${i % 20}`, { n: i, pad: 'x'.repeat(100) });
    await map.delete('k0');
    await map.close();
    dir.release();
    const log = join(path, 'state', 'compact-test.log');
    expect(statSync(log).size).toBeLessThan(10_000);
    expect(statSync(join(path, 'state', 'compact-test.snapshot')).size).toBeGreaterThan(0);
    const again = openDataDir(path);
    const reopened = await DurableMap.open<{ n: number }>(again, 'state', 'compact-test');
    expect(reopened.map.size).toBe(19);
    expect(reopened.get('k19')?.n).toBe(399);
    expect(reopened.get('k0')).toBeUndefined();
    await reopened.close();
    again.release();
  });

  it('retention prune rewrites the tenant log; the pruned chain still verifies after reopening', async () => {
    const path = freshDataDir();
    const store = await DurableAuditStore.open(path);
    const old = new AuditTrail(store, { now: () => new Date('2026-01-01T00:00:00Z') });
    for (let i = 0; i < 20; i++) await old.append(event('acme'));
    const recent = new AuditTrail(store, { now: () => new Date('2026-06-01T00:00:00Z') });
    for (let i = 0; i < 10; i++) await recent.append(event('acme'));
    const { pruneTenant } = await import('../../audit/retention.js');
    const pruned = await pruneTenant(recent, 'acme', new Date('2026-03-01T00:00:00Z'));
    expect(pruned.ok && pruned.value.pruned).toBe(20);
    await store.close();
    expect(
      readFileSync(join(path, 'audit', 'acme.log'), 'utf8')
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(11);
    const again = await DurableAuditStore.open(path);
    const result = await verifyChain(again, 'acme');
    expect(result).toMatchObject({ ok: true, firstSeq: 21, checked: 11, anchoredBy: { prunedThroughSeq: 20 } });
    await again.close();
  });
});
