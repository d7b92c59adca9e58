// The compiled runtime (`npm run build`, VOID_RUNTIME=compiled: what the container image runs): the real `void`
// binary runs dist/ with plain Node, serves its endpoints and the files it reads at run time (copied by the build),
// and runs a queued job end to end; a runtime it does not know, or a missing build, is refused with a clear message.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../agents/queue.js';
import { JOB_QUEUE, jobIdFor, type JobData } from '../../agents/queues.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { compiledForTests } from '../helpers/compiled.js';
import { ROOT, deletePrefix, spawnVoid, tempTenantsFile, type VoidProcess } from '../helpers/deploy.js';

describe('the compiled runtime', () => {
  const prefix = uniqueId('void-compiled');
  let proc: VoidProcess;
  let base: string;
  let redis: Redis;
  let events: QueueEvents;

  beforeAll(async () => {
    const { fixture } = compiledForTests();
    proc = spawnVoid(['--role', 'all'], {
      VOID_RUNTIME: 'compiled',
      VOID_KEY_PREFIX: prefix,
      VOID_TENANTS_FILE: tempTenantsFile(),
      VOID_TEST_MODULES: fixture('test/fixtures/deploy/slow-status.module.ts'),
      SLOW_STATUS_MS: '50',
      // The dashboard (its script and style are files the build copies into dist/).
      VOID_DASHBOARD_URL: 'http://127.0.0.1:3000',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    events = new QueueEvents(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
    const listening = await proc.waitForLog((l) => l.msg === 'Void web role listening', 60_000);
    base = `http://127.0.0.1:${String(listening.port)}`;
    await events.waitUntilReady();
  }, 180_000);

  afterAll(async () => {
    proc?.child.kill('SIGTERM');
    await proc?.exited;
    await events?.close();
    await deletePrefix(prefix);
    redis?.disconnect();
  });

  it('runs from dist/ without the TypeScript loader, and serves its endpoints and static files', async () => {
    const started = await proc.waitForLog((l) => l.msg === 'Void started');
    expect(started.runtime).toBe('compiled');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const css = await fetch(`${base}/dashboard/static/app.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toMatch(/\{/);
    // The test-only module was loaded from its compiled copy (and said so).
    expect(proc.lines.some((l) => String(l.msg).startsWith('VOID_TEST_MODULES is set'))).toBe(true);
  });

  it('runs a queued job end to end', async () => {
    const deliveryId = uniqueId('d');
    const data: JobData = {
      v: 1,
      kind: 'status',
      tenantId: 'acme',
      requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
      command: { name: 'status' },
      thread: { platform: 'console', channel: 'compiled-test' },
      correlationId: `c-${deliveryId}`,
      deliveryId,
    };
    const queue = new JobQueue({ connection: redis, prefix, attempts: 1 });
    const id = jobIdFor('status', 'acme', 'console', deliveryId);
    const completed = new Promise<string>((resolve) =>
      events.on('completed', ({ jobId, returnvalue }) => {
        if (jobId === id) resolve(JSON.stringify(returnvalue));
      }),
    );
    await queue.submitJob(id, data);
    expect(await completed).toContain('slow status done after 50 ms');
    await queue.close();
  }, 30_000);

  it('refuses a runtime it does not know, and a compiled run without a build, saying what to do', () => {
    const bin = join(ROOT, 'bin/void.mjs');
    const unknown = spawnSync(process.execPath, [bin, '--help'], {
      env: { PATH: process.env.PATH ?? '', VOID_RUNTIME: 'bun' },
      encoding: 'utf8',
    });
    expect(unknown.status).toBe(78);
    expect(unknown.stderr).toContain('VOID_RUNTIME must be "tsx" (the default) or "compiled"');
    // A copy of the binary with no dist/ beside it: nothing is loaded, the build is asked for.
    const alone = join(mkdtempSync(join(tmpdir(), 'void-bin-')), 'bin');
    mkdirSync(alone);
    copyFileSync(bin, join(alone, 'void.mjs'));
    const unbuilt = spawnSync(process.execPath, [join(alone, 'void.mjs'), '--help'], {
      env: { PATH: process.env.PATH ?? '', VOID_RUNTIME: 'compiled' },
      encoding: 'utf8',
    });
    expect(unbuilt.status).toBe(78);
    expect(unbuilt.stderr).toContain('run "npm run build" first');
  });
});
