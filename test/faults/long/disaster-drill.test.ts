// Issue 21 part 6, RELIABILITY.md #33 at scale: a data directory with a realistic trail (DRILL_TENANTS tenants,
// DRILL_RECORDS audit records, DRILL_PENDING pending approvals; default 50 / 200,000 / 10,000) served by a real
// `void --role all`; `void backup` taken while it runs; the data and Redis thrown away; `void restore` onto a fresh
// directory and a fresh Redis; Void started again. Every chain verifies, every pending approval is pending with its
// expiry timer set again, and no job runs. The recovery time (restore + start until ready) is printed for
// docs/operations.md. Long: run with `npm run test:faults`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_QUEUE } from '../../../agents/queues.js';
import { EXPIRY_QUEUE } from '../../../approvals/expiry.js';
import type { ApprovalRecord } from '../../../approvals/store.js';
import { tenantFileName } from '../../../audit/durable.store.js';
import { GENESIS_HASH, hashRecord } from '../../../audit/hash.js';
import { ensurePrivateDir } from '../../../audit/storage/datadir.js';
import { frame, writeFileAtomic } from '../../../audit/storage/log.js';
import type { AuditRecord } from '../../../audit/types.js';
import { uniqueId } from '../../helpers/app.js';
import { deletePrefix, ROOT, spawnVoid, tempDataDir, tempTenantsFile, type VoidProcess } from '../../helpers/deploy.js';
import { pad, scaleTenantsYaml } from '../../helpers/faults-cluster.js';
import { RedisProcess } from '../../helpers/redis-server.js';

const TENANTS = Number(process.env.DRILL_TENANTS ?? 50);
const RECORDS = Number(process.env.DRILL_RECORDS ?? 200_000);
const PENDING = Number(process.env.DRILL_PENDING ?? 10_000);
const say = (text: string) => console.log(`[drill] ${text}`);
const procs: VoidProcess[] = [];
const redises: RedisProcess[] = [];
const prefix = uniqueId('drill');

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  for (const r of redises) await r.kill();
  await deletePrefix(prefix).catch(() => undefined);
});

/** Writes the trail and the pending approvals straight into the store's files (as months of use would have). */
function seed(dataDir: string): void {
  ensurePrivateDir(join(dataDir, 'audit'));
  ensurePrivateDir(join(dataDir, 'state'));
  const started = Date.parse('2026-06-01T00:00:00Z');
  for (let t = 0; t < TENANTS; t++) {
    const tenantId = `t${pad(t)}`;
    const lines: string[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= Math.ceil(RECORDS / TENANTS); seq++) {
      const content: Omit<AuditRecord, 'hash'> = {
        tenantId,
        seq,
        ts: new Date(started + seq * 1000).toISOString(),
        actor: { memberId: 'dev', platform: 'slack', platformUserId: `U0DEV${pad(t)}0` },
        action: seq % 3 ? 'command.received' : 'approval.requested',
        target: `payments@production#${seq}`,
        outcome: 'success',
        details: { command: 'deploy', n: seq },
        correlationId: `c-${t}-${seq}`,
        prevHash,
      };
      const record = { ...content, hash: hashRecord(content) };
      prevHash = record.hash;
      lines.push(frame(record));
    }
    writeFileAtomic(join(dataDir, 'audit', tenantFileName(tenantId)), lines);
  }
  const approvals: string[] = [];
  for (let i = 0; i < PENDING; i++) {
    const tenantId = `t${pad(i % TENANTS)}`;
    const record: ApprovalRecord = {
      id: `ap-drill${String(i).padStart(6, '0')}`,
      tenantId,
      state: 'pending',
      rule: 'deploys',
      kind: 'deploy',
      command: { name: 'deploy', service: 'payments', environment: 'production', ref: `v${i}` },
      summary: `deploy payments to production at v${i}`,
      target: 'payments@production',
      requester: { memberId: 'dev', name: 'Dev', platform: 'slack', platformUserId: 'U0DEV000' },
      thread: { platform: 'slack', channel: 'C0DRILL', thread: `1.${i}` },
      correlationId: `c-ap-${i}`,
      deliveryId: `d-${i}`,
      quorum: [
        { count: 1, roles: ['tech_lead'] },
        { count: 1, roles: ['devops'] },
      ],
      voidOnTargetChange: true,
      cancel: ['requester', 'admin'],
      decisions: [],
      createdAt: new Date(started).toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      queued: false,
    };
    approvals.push(frame({ k: `${tenantId}\u0000${record.id}`, v: record }));
  }
  writeFileAtomic(join(dataDir, 'state', 'approvals.snapshot'), approvals);
}

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string; seconds: number }> {
  const began = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/void.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'error', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    child.once('exit', (code) => resolve({ code, out, err, seconds: (performance.now() - began) / 1000 }));
  });
}

async function serve(
  env: Record<string, string>,
): Promise<{ proc: VoidProcess; seconds: number; opened: Record<string, unknown> }> {
  const began = performance.now();
  const proc = spawnVoid(['--role', 'all'], env);
  procs.push(proc);
  const opened = await proc.waitForLog((l) => l.msg === 'embedded store opened', 300_000);
  await proc.waitForLog((l) => l.msg === 'Void started', 300_000);
  return { proc, seconds: (performance.now() - began) / 1000, opened };
}

describe(`disaster drill: ${TENANTS} tenants, ${RECORDS} records, ${PENDING} pending approvals`, () => {
  it(
    'backup online → destroy data and Redis → restore onto a fresh directory and Redis: ' +
      'chains verify, approvals resume',
    async () => {
      const tenantsFile = tempTenantsFile(scaleTenantsYaml(TENANTS));
      const dataDir = tempDataDir();
      let began = performance.now();
      seed(dataDir);
      say(`seeded in ${((performance.now() - began) / 1000).toFixed(1)} s`);
      const redis = await RedisProcess.start(true);
      redises.push(redis);
      const env = {
        VOID_KEY_PREFIX: prefix,
        VOID_TENANTS_FILE: tenantsFile,
        VOID_DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        PORT: '0',
        HOST: '127.0.0.1',
      };
      const first = await serve(env);
      say(
        `first start (open + verify ${String(first.opened.records)} records + ${PENDING} expiry ` +
          `timers): ${first.seconds.toFixed(1)} s`,
      );
      expect(first.opened).toMatchObject({ verified: true, tenants: TENANTS });

      const backupFile = join(mkdtempSync(join(tmpdir(), 'void-drill-')), 'void.backup');
      const backup = await cli(['backup', backupFile], env);
      expect(backup.code, backup.err).toBe(0);
      say(`backup while serving: ${backup.seconds.toFixed(1)} s — ${backup.out.trim()}`);

      // Disaster: the process, its data directory and its Redis are gone.
      first.proc.child.kill('SIGKILL');
      await first.proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
      await redis.kill();
      redises.splice(redises.indexOf(redis), 1);

      const fresh = await RedisProcess.start(true);
      redises.push(fresh);
      const newEnv = { ...env, VOID_DATA_DIR: tempDataDir(), REDIS_URL: fresh.url };
      began = performance.now();
      const restore = await cli(['restore', backupFile], newEnv);
      expect(restore.code, restore.err).toBe(0);
      expect(restore.out).toContain('every chain verifies');
      const second = await serve(newEnv);
      const recovery = (performance.now() - began) / 1000;
      say(`restore: ${restore.seconds.toFixed(1)} s — ${restore.out.trim()}`);
      say(`start on the restored directory: ${second.seconds.toFixed(1)} s`);
      say(`RECOVERY TIME (restore + start until ready): ${recovery.toFixed(1)} s`);
      expect(second.opened).toMatchObject({ verified: true, tenants: TENANTS });
      const expiry = new Queue(EXPIRY_QUEUE, { connection: { url: fresh.url }, prefix });
      expect(await expiry.getDelayedCount()).toBe(PENDING);
      await expiry.close();
      const jobs = new Queue(JOB_QUEUE, { connection: { url: fresh.url }, prefix });
      expect(await jobs.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(0);
      await jobs.close();
      const rss =
        Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${second.proc.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      say(`RSS of the restored process holding the trail: ${rss.toFixed(0)} MB`);
      expect(recovery).toBeLessThan(15 * 60);
    },
    900_000,
  );
});
