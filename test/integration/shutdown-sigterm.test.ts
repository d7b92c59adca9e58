// Graceful shutdown of the real `void` binary (RELIABILITY.md #25): SIGTERM while a job runs → readiness false
// first, then the job finishes within the grace period (or is handed back to the queue when it cannot), and the
// process exits 0. The slow job comes from a test-only module (VOID_TEST_MODULES).
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../agents/queue.js';
import { JOB_QUEUE, jobIdFor, type JobData } from '../../agents/queues.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { ROOT, deletePrefix, spawnVoid, tempTenantsFile, type VoidProcess } from '../helpers/deploy.js';

const SLOW_MODULE = join(ROOT, 'test/fixtures/deploy/slow-status.module.ts');

function statusJob(deliveryId: string): { id: string; data: JobData } {
  const data: JobData = {
    v: 1,
    kind: 'status',
    tenantId: 'acme',
    requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
    command: { name: 'status' },
    thread: { platform: 'console', channel: 'shutdown-test' },
    correlationId: `c-${deliveryId}`,
    deliveryId,
  };
  return { id: jobIdFor('status', 'acme', 'console', deliveryId), data };
}

interface Harness {
  readonly prefix: string;
  readonly proc: VoidProcess;
  readonly queue: JobQueue;
  readonly events: QueueEvents;
  readonly redis: Redis;
}

const open: Harness[] = [];

async function startVoid(env: Record<string, string>): Promise<Harness> {
  const prefix = uniqueId('void-shutdown');
  const proc = spawnVoid(['--role', 'all'], {
    VOID_KEY_PREFIX: prefix,
    VOID_TENANTS_FILE: tempTenantsFile(),
    VOID_TEST_MODULES: SLOW_MODULE,
    PORT: '0',
    HOST: '127.0.0.1',
    VOID_WORKER_CONCURRENCY: '1',
    ...env,
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new JobQueue({ connection: redis, prefix, attempts: 3 });
  const events = new QueueEvents(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
  const harness = { prefix, proc, queue, events, redis };
  open.push(harness);
  await Promise.all([proc.waitForLog((l) => l.msg === 'Void started'), events.waitUntilReady()]);
  return harness;
}

/** Enqueues a slow status job and resolves once the void process has started running it. */
async function runningJob(h: Harness): Promise<string> {
  const { id, data } = statusJob(uniqueId('d'));
  const active = new Promise<void>((resolve) => {
    h.events.on('active', ({ jobId }) => {
      if (jobId === id) resolve();
    });
  });
  await h.queue.enqueue(id, data);
  await active;
  return id;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    if (h.proc.child.exitCode === null) h.proc.child.kill('SIGKILL');
    await h.events.close();
    await h.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await h.queue.close();
    h.redis.disconnect();
    await deletePrefix(h.prefix);
  }
});

describe('SIGTERM to the void binary', () => {
  it('turns readiness off first, lets the running job finish, and exits 0', async () => {
    const h = await startVoid({
      SLOW_STATUS_MS: '1500',
      VOID_SHUTDOWN_GRACE_MS: '15000',
      VOID_READINESS_DRAIN_MS: '3000',
    });
    // A process that runs jobs bounds V8's heap growth too (docs/operations.md "Memory"), with no NODE_OPTIONS.
    const started = await h.proc.waitForLog((l) => l.msg === 'Void started');
    expect(started.heapGrowthPercent).toBe(25);
    const listening = await h.proc.waitForLog((l) => l.msg === 'Void web role listening');
    const base = `http://127.0.0.1:${String(listening.port)}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const jobId = await runningJob(h);

    h.proc.child.kill('SIGTERM');
    await h.proc.waitForLog((l) => String(l.msg).startsWith('readiness is false'));
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    expect(await h.proc.exited).toBe(0);
    const job = await h.queue.queue.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.returnvalue).toMatchObject({ summary: 'slow status done after 1500 ms' });
    expect(h.proc.lines.some((l) => l.msg === 'Void stopped')).toBe(true);
  }, 60_000);

  it('returns a job that outlasts the grace period to the queue, and still exits 0 promptly', async () => {
    const h = await startVoid({ SLOW_STATUS_MS: '60000', VOID_SHUTDOWN_GRACE_MS: '500' });
    const jobId = await runningJob(h);
    const sent = Date.now();
    h.proc.child.kill('SIGTERM');

    expect(await h.proc.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(20_000); // the job alone would take 60 s
    const job = await h.queue.queue.getJob(jobId);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.attemptsMade).toBe(0);
    expect(h.proc.lines.some((l) => String(l.msg).includes('returning them to the queue'))).toBe(true);
  }, 60_000);
});
