// B6: scale. 50 tenants, 10,000 pending approvals, 1,000 concurrent workflows, every process a real `void` binary:
// one web process takes signed Slack slash commands over HTTP (10,000 `deploy` requests that need two approvals,
// then 1,000 `status` workflows); four worker processes (250 jobs at once each: VOID_WORKER_CONCURRENCY is at most
// 256) run the workflows. A `status` job takes B6_JOB_MS (test-only module test/fixtures/deploy/slow-status.module.ts)
// so that all 1,000 run at once. Slack and GitHub are faked on loopback (test/helpers/faults-cluster.ts).
// Checks: 10,000 approval cards posted and none decided; peak active jobs; every workflow completed once (BullMQ
// completed, attempts started, no failed) with one final reply in its channel; peak RSS of every process
// (/proc/<pid>/status VmRSS, sampled every 200 ms) against 300 MB, printed per process; where the web process's RSS
// went at its highest (V8 heap total and used, external, outside the heap) and its major collections, sampled every
// second from its /metrics. B6_NODE_OPTIONS is passed to every process as NODE_OPTIONS (e.g.
// `--max-old-space-size=384`, a container's heap bound), B6_HEAP_GROWTH_PERCENT as VOID_HEAP_GROWTH_PERCENT (unset:
// 25, every role's default; docs/operations.md "Memory"). The processes run as the container image runs them: the
// build (deploy/build.mjs, made here first, into a folder of its own) with VOID_RUNTIME=compiled; B6_RUNTIME=tsx
// runs the TypeScript sources through tsx instead (about 45 MB more per process: tsx's loader thread).
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { JOB_QUEUE } from '../../agents/queues.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { compiledForTests } from '../helpers/compiled.js';
import { deletePrefix, ROOT } from '../helpers/deploy.js';
import {
  bounded,
  pad,
  platformsFake,
  rssMb,
  scaleTenantsYaml,
  startCluster,
  teamOf,
  type Cluster,
  type PlatformsFake,
} from '../helpers/faults-cluster.js';
import { mentionEvent, postSlack, slashForm } from '../helpers/slack.js';
import type { BenchResult } from './lib.js';

const TENANTS = 50;
const PENDING = Number(process.env.B6_PENDING ?? 10_000);
const WORKFLOWS = Number(process.env.B6_WORKFLOWS ?? 1000);
const JOB_MS = Number(process.env.B6_JOB_MS ?? 30_000);
const RSS_LIMIT_MB = 300;
const PER_WORKER = 250;
const NODE_OPTIONS = process.env.B6_NODE_OPTIONS ?? '';
/** VOID_HEAP_GROWTH_PERCENT for every process when set (unset: each role's default; docs/operations.md "Memory"). */
const HEAP_GROWTH = process.env.B6_HEAP_GROWTH_PERCENT ?? '';
/** How the `void` processes run: `compiled` (dist/, as the container image runs) or `tsx` (the sources). */
const RUNTIME = process.env.B6_RUNTIME === 'tsx' ? 'tsx' : 'compiled';
const SLOW_MODULE = 'test/fixtures/deploy/slow-status.module.ts';
const METRICS_TOKEN = 'b6-metrics-token';

/** The web process's memory as it reports it on /metrics (prom-client's default metrics), in MB. */
async function memoryOf(
  url: string,
): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number; majorGcs: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: value('void_process_resident_memory_bytes') / 2 ** 20,
    heapUsed: value('void_nodejs_heap_size_used_bytes') / 2 ** 20,
    heapTotal: value('void_nodejs_heap_size_total_bytes') / 2 ** 20,
    external: value('void_nodejs_external_memory_bytes') / 2 ** 20,
    majorGcs: value('void_nodejs_gc_duration_seconds_count\\{kind="major"\\}'),
  };
}

/** Samples the web process's /metrics every second: where its RSS went at its highest (V8 heap or outside it). */
function watchWebMemory(url: string): { stop(): Promise<Record<string, number>> } {
  let worst = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, majorGcs: 0 };
  let maxUsed = 0;
  let last = Promise.resolve();
  const timer = setInterval(() => {
    last = memoryOf(url)
      .then((m) => {
        maxUsed = Math.max(maxUsed, m.heapUsed);
        if (m.rss > worst.rss) worst = m;
      })
      .catch(() => undefined);
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await last;
      const end = await memoryOf(url).catch(() => worst);
      return {
        'web at its highest sampled RSS: V8 heap total MB': worst.heapTotal,
        'web at its highest sampled RSS: V8 heap used MB': worst.heapUsed,
        'web at its highest sampled RSS: external MB': worst.external,
        'web at its highest sampled RSS: outside the V8 heap MB': worst.rss - worst.heapTotal,
        'web V8 heap used MB, highest sample': maxUsed,
        'web major GCs': end.majorGcs,
      };
    },
  };
}

const texts = (fake: PlatformsFake, prefix: string, pattern: RegExp): number[] =>
  [...fake.slack.entries()]
    .filter(([c]) => c.startsWith(prefix))
    .map(([, list]) => list.filter((x) => pattern.test(x)).length);

async function slash(url: string, i: number, text: string, channel: string): Promise<void> {
  const t = i % TENANTS;
  const res = await postSlack(url, {
    body: slashForm({ text, team: teamOf(t), user: `U0DEV${pad(t)}0`, channel, trigger: `b6-${channel}` }),
  });
  if (res.status !== 200) throw new Error(`B6: Slack request answered ${res.status}`);
}

/** `@Void status` in a channel: a status job (a slash command's `status` is answered in the ack, with no job). */
async function mention(url: string, i: number, text: string, channel: string): Promise<void> {
  const t = i % TENANTS;
  const fields = { text, team: teamOf(t), user: `U0DEV${pad(t)}0`, channel, eventId: `EvB6${channel}` };
  const body = mentionEvent({ ...fields, ts: `1700000000.${i}` });
  const res = await postSlack(url, { body, contentType: 'application/json' });
  if (res.status !== 200) throw new Error(`B6: Slack request answered ${res.status}`);
}

async function workflows(
  cluster: Cluster,
  fake: PlatformsFake,
  queue: Queue,
  peak: { active: number },
): Promise<{ counts: Record<string, number>; seconds: number }> {
  const t0 = performance.now();
  await bounded(WORKFLOWS, 32, (i) =>
    mention(cluster.urls[0] as string, i, 'status', `C0W${String(i).padStart(6, '0')}`),
  );
  const deadline = Date.now() + 150_000;
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized');
    peak.active = Math.max(peak.active, counts.active ?? 0);
    if (
      (counts.completed ?? 0) + (counts.failed ?? 0) >= WORKFLOWS &&
      texts(fake, 'C0W', /✅ status done/).filter((n) => n > 0).length >= WORKFLOWS
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { counts, seconds: (performance.now() - t0) / 1000 };
}

export async function b6(): Promise<BenchResult> {
  const prefix = uniqueId('b6');
  const fake = await platformsFake();
  const workerCount = Math.ceil(WORKFLOWS / PER_WORKER);
  const build = RUNTIME === 'compiled' ? compiledForTests() : undefined;
  const slowModule = build ? build.fixture(SLOW_MODULE) : join(ROOT, SLOW_MODULE);
  const cluster = await startCluster({
    prefix,
    yaml: scaleTenantsYaml(TENANTS),
    fake,
    webs: 1,
    workers: workerCount,
    build,
    env: {
      VOID_RUNTIME: RUNTIME,
      VOID_TEST_MODULES: slowModule,
      SLOW_STATUS_MS: String(JOB_MS),
      VOID_WORKER_CONCURRENCY: String(PER_WORKER),
      METRICS_TOKEN,
      ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
      ...(HEAP_GROWTH ? { VOID_HEAP_GROWTH_PERCENT: HEAP_GROWTH } : {}),
    },
  });
  const queue = new Queue(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
  const procs = [...cluster.webs, ...cluster.workers];
  const peak = { rss: procs.map(() => 0), active: 0 };
  const sampler = setInterval(
    () => procs.forEach((p, k) => (peak.rss[k] = Math.max(peak.rss[k] ?? 0, rssMb(p.child.pid)))),
    200,
  );
  const web = watchWebMemory(cluster.urls[0] as string);
  try {
    const t0 = performance.now();
    await bounded(PENDING, 32, (i) =>
      slash(cluster.urls[0] as string, i, `deploy svc${i} to production`, `C0P${String(i).padStart(6, '0')}`),
    );
    const cards = () => texts(fake, 'C0P', /^chat\.postMessage ⏳ Approval needed/).filter((n) => n === 1).length;
    while (cards() < PENDING && performance.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 100));
    const requestsPerSecond = PENDING / ((performance.now() - t0) / 1000);
    const pendingBefore = cards();
    if (pendingBefore < PENDING)
      process.stderr.write(
        `  B6: only ${pendingBefore} cards; what one channel ` +
          `saw: ${JSON.stringify(fake.slack.get('C0P000000') ?? fake.slack.get('response_url')?.slice(0, 3))}\n`,
      );
    process.stderr.write(
      `  B6: ${pendingBefore} approval cards posted across ${TENANTS} tenants (${requestsPerSecond.toFixed(0)} ` +
        `requests/s); starting ${WORKFLOWS} workflows\n`,
    );
    const { counts, seconds } = await workflows(cluster, fake, queue, peak);
    const jobs = await queue.getJobs(['completed'], 0, WORKFLOWS * 2);
    const rerun = jobs.filter((j) => (j.attemptsStarted ?? 1) > 1).length;
    const finals = texts(fake, 'C0W', /✅ status done/);
    const decided = texts(fake, 'C0P', /chat\.update (✅|❌|⌛|🚫)/).reduce((a, b) => a + b, 0);
    const pendingAfter = cards() - decided;
    const heap = await web.stop();
    const names = ['web', ...cluster.workers.map((_, k) => `worker ${k + 1}`)];
    const verdicts = peak.rss.map((mb, k) => `${names[k]} ${mb.toFixed(0)} (${mb < RSS_LIMIT_MB ? 'under' : 'OVER'})`);
    process.stderr.write(
      `  B6: BullMQ ${JSON.stringify(counts)}, peak active ${peak.active}, ${rerun} run twice, ` +
        `final replies ${finals.filter((n) => n === 1).length}/${WORKFLOWS}, ${pendingAfter} still pending\n` +
        `  B6: peak RSS MB (limit ${RSS_LIMIT_MB}): ${verdicts.join(', ')}\n` +
        `  B6: web memory: ${Object.entries(heap)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')}\n`,
    );
    const ok =
      pendingBefore === PENDING &&
      pendingAfter === PENDING &&
      counts.completed === WORKFLOWS &&
      counts.failed === 0 &&
      jobs.length === WORKFLOWS &&
      rerun === 0 &&
      finals.length === WORKFLOWS &&
      finals.every((n) => n === 1);
    const worst = Math.max(...peak.rss);
    return {
      id: 'B6',
      title:
        `scale: ${TENANTS} tenants, ${PENDING} pending approvals, ${WORKFLOWS} concurrent workflows ` +
        `of ${JOB_MS / 1000} s (void binaries, ${RUNTIME}: 1 web + ${workerCount} ` +
        `workers${NODE_OPTIONS ? `, NODE_OPTIONS=${NODE_OPTIONS}` : ''}` +
        `${HEAP_GROWTH ? `, VOID_HEAP_GROWTH_PERCENT=${HEAP_GROWTH}` : ''})`,
      unit: 'MB peak RSS (largest process)',
      target: 'no lost or duplicated job; RSS per process < 300 MB',
      void: [worst],
      extra: {
        ...Object.fromEntries(
          peak.rss.map((mb, k) => [
            `peak RSS MB, ${names[k]} (${mb < RSS_LIMIT_MB ? 'under' : 'OVER'} ${RSS_LIMIT_MB})`,
            [mb],
          ]),
        ),
        ...Object.fromEntries(Object.entries(heap).map(([k, v]) => [k, [v]])),
        'approval requests/s (signed Slack → card posted)': [requestsPerSecond],
        'pending approvals before the workflows': [pendingBefore],
        'pending approvals after the workflows': [pendingAfter],
        'peak active jobs': [peak.active],
        'workflows completed': [counts.completed ?? 0],
        'workflows failed': [counts.failed ?? 0],
        'workflows started more than once': [rerun],
        'seconds for all workflows (send → last final reply)': [seconds],
      },
      met: ok && worst < RSS_LIMIT_MB,
      ...(ok ? {} : { note: 'jobs lost or duplicated, or approvals missing: see the counts above' }),
    };
  } finally {
    clearInterval(sampler);
    await web.stop().catch(() => undefined);
    await cluster.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deletePrefix(prefix);
    await fake.close();
    build?.remove();
  }
}
