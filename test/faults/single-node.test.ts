// RELIABILITY.md #31, #32 (second process) and #33 with real processes: one `void --role all` on the durable
// embedded store, Slack faked on loopback. A burst of signed `/void deploy` commands (approval requests) and
// `/void approve` decisions is cut by SIGKILL; after a restart every request and decision Void had confirmed (its
// card or reply posted: the store write came first) is there and still pending, every chain verifies, and no deploy
// job ran. (A slash command that got its HTTP 200 but was not yet dispatched is lost today, whatever the store: the
// Slack ack precedes the dispatch; the durable intake of issue 17 closes that.) A second process
// on the same directory is refused with the holder named; the CLI reads the trail while the server runs. Then a
// backup is taken online, the data and Redis are thrown away, and the restore onto a fresh directory and a fresh
// Redis brings the pending requests back with their expiry timers (recovery time printed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableApprovalStore } from '../../approvals/durable.store.js';
import { EXPIRY_QUEUE } from '../../approvals/expiry.js';
import { approvalIdFor } from '../../approvals/service.js';
import { JOB_QUEUE } from '../../agents/queues.js';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { intakeCounts, intakeKeys } from '../../bot/intake.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { deletePrefix, runVoid, spawnVoid, tempDataDir, tempTenantsFile, type VoidProcess } from '../helpers/deploy.js';
import { bounded, platformsFake, scaleTenantsYaml, teamOf, type PlatformsFake } from '../helpers/faults-cluster.js';
import { RedisProcess } from '../helpers/redis-server.js';
import { BOT_ID, BOT_TOKEN, BOT_USER_ID, postSlack, SIGNING_SECRET, slashForm } from '../helpers/slack.js';

const say = (text: string) => console.log(`[fault single-node] ${text}`);
const procs: VoidProcess[] = [];
const prefix = uniqueId('single');
const DEV = ['U0DEV000', 'U0DEV010'];
const LEAD = ['U0LEAD00', 'U0LEAD01'];
const OPS = ['U0OPS000', 'U0OPS010'];
let fake: PlatformsFake | undefined;
let freshRedis: RedisProcess | undefined;
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await deletePrefix(prefix);
  await freshRedis?.kill();
  await fake?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function envFor(dataDir: string, tenantsFile: string, redisUrl = REDIS_URL): Record<string, string> {
  return {
    VOID_KEY_PREFIX: prefix,
    VOID_TENANTS_FILE: tenantsFile,
    VOID_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_BOT_ID: BOT_ID,
    SLACK_BOT_USER_ID: BOT_USER_ID,
    SLACK_API_URL: `${fake?.url}/api/`,
    SLACK_CHANNEL_PACE_MS: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    VOID_JOB_LOCK_MS: '2000',
    VOID_STALLED_INTERVAL_MS: '1000',
  };
}

async function start(env: Record<string, string>): Promise<{ proc: VoidProcess; url: string }> {
  const proc = spawnVoid(['--role', 'all'], env);
  procs.push(proc);
  const listening = await proc.waitForLog((l) => l.msg === 'Void web role listening', 60_000);
  return { proc, url: `http://127.0.0.1:${String(listening.port)}` };
}

const FIRST = 10;
const tenantOf = (i: number) => i % 2;
const channelOf = (i: number) => `C0SN${String(i).padStart(5, '0')}`;
const deployForm = (i: number) =>
  slashForm({
    text: 'deploy payments to production',
    user: DEV[tenantOf(i)],
    team: teamOf(tenantOf(i)),
    channel: channelOf(i),
    trigger: `sn-${prefix}-${i}`,
  });
const approvalOf = (i: number) => approvalIdFor(`t0${tenantOf(i)}`, 'slack', `slash-sn-${prefix}-${i}`);
const approveForm = (i: number) =>
  slashForm({
    text: `approve ${approvalOf(i)}`,
    user: LEAD[tenantOf(i)],
    team: teamOf(tenantOf(i)),
    channel: `C0SA${String(i).padStart(5, '0')}`,
    trigger: `sn-approve-${prefix}-${i}`,
  });

async function waitUntil(what: string, test: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function readApprovals(dataDir: string) {
  const store = await DurableApprovalStore.open(dataDir, { readOnly: true });
  try {
    return new Map(store.all().map((r) => [r.id, r]));
  } finally {
    await store.close();
  }
}

describe('fault: one `void --role all` on the durable embedded store', () => {
  it(
    'SIGKILL during a burst loses nothing acknowledged; ' +
      'a second owner is refused; backup → destroy → restore resumes',
    async () => {
      fake = await platformsFake();
      const tenantsFile = tempTenantsFile(scaleTenantsYaml(2));
      const dataDir = tempDataDir();
      const env = envFor(dataDir, tenantsFile);
      const first = await start(env);

      // A second process on the same data directory is refused, and told who holds it.
      const second = spawnVoid(['--role', 'all'], { ...env });
      procs.push(second);
      expect(await second.exited).toBe(2);
      expect(second.raw.join('\n')).toContain(`is in use by process ${first.proc.child.pid} on host`);

      // Phase 1: 10 requests, all processed.
      const post = (url: string, body: string) =>
        postSlack(url, {
          body: body.replace(
            encodeURIComponent('https://hooks.slack.com/commands/1234/5678'),
            encodeURIComponent(`${fake?.url}/hooks/1`),
          ),
        });
      for (let i = 0; i < FIRST; i++) expect((await post(first.url, deployForm(i))).status).toBe(200);
      await waitUntil('the first requests', async () => (await readApprovals(dataDir)).size === FIRST);

      // Phase 2: the burst: 100 more requests and a decision on each of the first 10, interleaved; SIGKILL once Void
      // has confirmed some of each (or 20 s after the last was sent), while the rest are still in flight.
      const acked = { deploy: [] as number[], approve: [] as number[] };
      const seenAtKill = new Map<string, string[]>();
      const cards = (i: number) => fake?.slack.get(channelOf(i)) ?? [];
      const kill = () => {
        if (first.proc.child.signalCode || first.proc.child.exitCode !== null) return;
        for (const [channel, messages] of fake?.slack ?? []) seenAtKill.set(channel, [...messages]);
        first.proc.child.kill('SIGKILL');
      };
      const watcher = (async () => {
        const until = Date.now() + 60_000;
        while (!first.proc.child.signalCode && Date.now() < until) {
          const updated = Array.from({ length: FIRST }, (_, i) => i).filter((i) =>
            cards(i).some((m) => m.startsWith('chat.update')),
          ).length;
          const carded = Array.from({ length: 100 }, (_, k) => FIRST + k).filter((i) =>
            cards(i).some((m) => m.startsWith('chat.postMessage') && !m.includes('asked Void')),
          ).length;
          if (updated >= 3 && carded >= 20) kill();
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const jobs = [
        ...Array.from({ length: 100 }, (_, k) => ({ kind: 'deploy' as const, i: FIRST + k })),
        ...Array.from({ length: FIRST }, (_, i) => ({ kind: 'approve' as const, i })),
      ].sort((a, b) => (a.i % 11) - (b.i % 11));
      await bounded(jobs.length, 8, async (n) => {
        const job = jobs[n] as { kind: 'deploy' | 'approve'; i: number };
        if (first.proc.child.signalCode) return;
        const res = await post(first.url, job.kind === 'deploy' ? deployForm(job.i) : approveForm(job.i)).catch(
          () => undefined,
        );
        if (res?.status === 200) acked[job.kind].push(job.i);
      });
      await Promise.race([watcher, new Promise((r) => setTimeout(r, 20_000))]);
      kill();
      await first.proc.exited;
      say(
        `SIGKILL after ${acked.deploy.length} requests and ${acked.approve.length} decisions ` +
          'were acknowledged over HTTP',
      );

      // What Void had confirmed to people when it died: a request's approval card in its thread (after the request was
      // stored), a decision by the card's update (after the decision was stored).
      const seen = (i: number) => seenAtKill.get(channelOf(i)) ?? [];
      const requests = [...Array.from({ length: FIRST }, (_, i) => i), ...acked.deploy].filter((i) =>
        seen(i).some((m) => m.startsWith('chat.postMessage') && !m.includes('asked Void')),
      );
      const decisions = acked.approve.filter((i) => seen(i).some((m) => m.startsWith('chat.update')));
      say(`confirmed before the kill: ${requests.length} requests, ${decisions.length} decisions`);
      expect(requests.length).toBeGreaterThan(FIRST);
      expect(decisions.length).toBeGreaterThan(0);

      // Restart on the same directory: the store opens and every chain verifies.
      const restarted = spawnVoid(['--role', 'all'], env);
      procs.push(restarted);
      const opened = await restarted.waitForLog((l) => l.msg === 'embedded store opened', 60_000);
      expect(opened).toMatchObject({ verified: true });
      await restarted.waitForLog((l) => l.msg === 'Void started');
      // Acknowledged but not yet handled when Void died: still in the intake queue,
      // handled now (nothing acked is lost).
      const probe = new Redis(REDIS_URL);
      await waitUntil('the intake queue drained', async () => {
        const counts = await intakeCounts(probe, intakeKeys(prefix, JOB_QUEUE));
        return counts.waiting + counts.active + counts.failed === 0;
      });
      probe.disconnect();
      const all = await readApprovals(dataDir);
      for (const i of acked.deploy) expect(all.get(approvalOf(i))?.state, `acked request ${i}`).toBe('pending');
      for (const i of requests) expect(all.get(approvalOf(i))?.state, `request ${i}`).toBe('pending');
      // Every decision acknowledged over HTTP is kept (the Approve click goes through the intake), not only those
      // whose card update was seen before the kill.
      for (const i of [...decisions, ...acked.approve])
        expect(
          all.get(approvalOf(i))?.decisions.map((d) => d.memberId),
          `decision on ${i}`,
        ).toEqual(['lead']);
      const stillPending = [...all.values()].filter((r) => r.state === 'pending');
      expect(stillPending.length).toBe(all.size);
      const audit = await DurableAuditStore.open(dataDir, { readOnly: true });
      const verified = await audit.verifyAll();
      expect(verified.map((r) => r.ok)).toEqual(verified.map(() => true));
      const requested = (await audit.query('t00', { action: 'approval.requested' }, 0, 10_000)).concat(
        await audit.query('t01', { action: 'approval.requested' }, 0, 10_000),
      );
      expect(new Set(requested.map((r) => r.target)).size).toBe(requested.length);
      await audit.close();
      const queue = new Queue(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
      expect(
        (await queue.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed'])).filter(
          (j) => (j.data as { kind?: string }).kind === 'deploy',
        ),
      ).toEqual([]);
      await queue.close();

      // The CLI reads the trail while the server owns the directory (read-only: its own record is not appended).
      const verify = await runVoid(['audit', 'verify', '--tenant', 't00'], env);
      expect(verify.code).toBe(0);
      expect(verify.out).toContain('Audit trail of t00 verified');
      expect(verify.err).toContain('audit.verified not recorded in the trail: the data directory');

      // Backup online, then lose everything: the data directory and Redis.
      const backupFile = join(mkdtempSync(join(tmpdir(), 'void-backup-')), 'void.backup');
      dirs.push(backupFile);
      const backup = await runVoid(['backup', backupFile], env);
      expect(backup.code, backup.err).toBe(0);
      say(backup.out.trim());
      restarted.child.kill('SIGKILL');
      await restarted.exited;
      rmSync(dataDir, { recursive: true, force: true });

      freshRedis = await RedisProcess.start(true);
      const newDir = tempDataDir();
      const newEnv = envFor(newDir, tenantsFile, freshRedis.url);
      const began = performance.now();
      const restore = await runVoid(['restore', backupFile], newEnv);
      expect(restore.code, restore.err).toBe(0);
      expect(restore.out).toContain('every chain verifies');
      const back = await start(newEnv);
      await back.proc.waitForLog((l) => l.msg === 'Void started');
      const seconds = (performance.now() - began) / 1000;
      say(`recovery (restore + start on a fresh directory and a fresh Redis): ${seconds.toFixed(1)} s`);
      const pendingNow = [...(await readApprovals(newDir)).values()].filter((r) => r.state === 'pending');
      expect(pendingNow.length).toBe(stillPending.length);
      const expiry = new Queue(EXPIRY_QUEUE, { connection: { url: freshRedis.url }, prefix });
      await waitUntil(
        'expiry timers in the fresh Redis',
        async () => (await expiry.getDelayedCount()) === stillPending.length,
        20_000,
      );
      await expiry.close();

      // A pending request resumes: the devops approval completes the quorum and the deploy job is queued once.
      if (!decisions.length) return;
      const i = decisions[0] as number;
      const form = slashForm({
        text: `approve ${approvalOf(i)}`,
        user: OPS[tenantOf(i)],
        team: teamOf(tenantOf(i)),
        channel: 'C0SNOPS',
        trigger: `sn-ops-${prefix}`,
      });
      expect((await post(back.url, form)).status).toBe(200);
      await waitUntil(
        'the request decided',
        async () => (await readApprovals(newDir)).get(approvalOf(i))?.state !== 'pending',
      );
    },
    240_000,
  );
});
