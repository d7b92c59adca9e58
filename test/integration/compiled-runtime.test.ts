// The compiled runtime (the build of deploy/build.mjs, VOID_RUNTIME=compiled: what the container image runs): the real
// `void` binary runs the build with plain Node, serves its endpoints and the files it reads at run time (copied by
// the build), runs a queued job end to end and names its TypeScript sources in stack traces; the tests' binary runs a
// test module from the build; a runtime the binary does not know, or a missing build, is refused with a clear message.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../agents/queue.js';
import { JOB_QUEUE, jobIdFor } from '../../agents/queues.js';
import { jobData } from '../helpers/agents.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { compiledForTests, type CompiledBuild } from '../helpers/compiled.js';
import { ROOT, deletePrefix, spawnVoid, tempTenantsFile, type VoidProcess } from '../helpers/deploy.js';

describe('the compiled runtime', () => {
  const prefix = uniqueId('void-compiled');
  const spawned: VoidProcess[] = [];
  let build: CompiledBuild;
  let proc: VoidProcess;
  let base: string;
  let redis: Redis;
  let events: QueueEvents;

  const env = (extra: Record<string, string> = {}) => ({
    VOID_RUNTIME: 'compiled',
    VOID_KEY_PREFIX: prefix,
    VOID_TENANTS_FILE: tempTenantsFile(),
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  });

  beforeAll(async () => {
    build = compiledForTests();
    // The real binary of the build (no test modules): the dashboard on, whose script and style the build copies.
    proc = spawnVoid(['--role', 'all'], env({ VOID_DASHBOARD_URL: 'http://127.0.0.1:3000' }), build);
    spawned.push(proc);
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    events = new QueueEvents(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
    const listening = await proc.waitForLog((l) => l.msg === 'Void web role listening', 60_000);
    base = `http://127.0.0.1:${String(listening.port)}`;
    await events.waitUntilReady();
  }, 180_000);

  afterAll(async () => {
    for (const p of spawned) p.child.kill('SIGTERM');
    await Promise.all(spawned.map((p) => p.exited));
    await events?.close();
    await deletePrefix(prefix);
    redis?.disconnect();
    build?.remove();
  });

  it('runs the build (not the sources), and serves its endpoints and static files', async () => {
    const started = await proc.waitForLog((l) => l.msg === 'Void started');
    expect(started.runtime).toBe('compiled');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const css = await fetch(`${base}/dashboard/static/app.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toMatch(/\{/);
  });

  it('runs a queued job end to end', async () => {
    const data = jobData('status', { name: 'status' });
    const queue = new JobQueue({ connection: redis, prefix, attempts: 1 });
    const id = jobIdFor('status', 'acme', 'console', data.deliveryId);
    const completed = new Promise<string>((resolve) =>
      events.on('completed', ({ jobId, returnvalue }) => {
        if (jobId === id) resolve(JSON.stringify(returnvalue));
      }),
    );
    await queue.submitJob(id, data);
    expect(await completed).toContain('summary');
    await queue.close();
  }, 30_000);

  it("runs the tests' binary from the build with a compiled test module", async () => {
    const slow = spawnVoid(
      ['--role', 'worker'],
      env({
        VOID_TEST_MODULES: build.fixture('test/fixtures/deploy/slow-status.module.ts'),
        VOID_EMBEDDED_STORE: 'memory',
      }),
      build,
    );
    spawned.push(slow);
    const started = await slow.waitForLog((l) => l.msg === 'Void started', 60_000);
    expect(started.runtime).toBe('compiled');
    expect(slow.lines.some((l) => String(l.msg).startsWith('VOID_TEST_MODULES is set'))).toBe(true);
  }, 90_000);

  it('names the TypeScript sources in stack traces', async () => {
    // A module whose set-up throws: `void` prints the unexpected error's stack and exits 2.
    const broken = spawnVoid(
      ['--role', 'all'],
      env({ VOID_TEST_MODULES: build.fixture('test/fixtures/deploy/broken-setup.module.ts') }),
      build,
    );
    spawned.push(broken);
    expect(await broken.exited).toBe(2);
    const output = broken.raw.join('\n');
    expect(output).toContain('void: unexpected error: Error: broken on purpose');
    expect(output).toMatch(/\/bot\/[\w/.-]+\.ts:\d+:\d+/);
    expect(output).not.toMatch(/\/dist\/bot\//);
  }, 90_000);

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
    copyFileSync(join(ROOT, 'bin/runtime.mjs'), join(alone, 'runtime.mjs'));
    const unbuilt = spawnSync(process.execPath, [join(alone, 'void.mjs'), '--help'], {
      env: { PATH: process.env.PATH ?? '', VOID_RUNTIME: 'compiled' },
      encoding: 'utf8',
    });
    expect(unbuilt.status).toBe(78);
    expect(unbuilt.stderr).toContain('run "npm run build" first');
  });
});
