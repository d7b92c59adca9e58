// B1 and B2: signed platform requests through Void's real endpoints (verified, de-duplicated, audited, queued,
// acked) against the bare libraries that only verify and ack. autocannon runs in a separate process.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { VoidApp } from '../../bot/app.js';
import { loadModuleList } from '../../bot/composition.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import { deletePrefix } from '../helpers/deploy.js';
import { bareBolt, bareOctokit, boltWithBullmq, octokitWithBullmq, type RunningServer } from './baselines.js';
import { fakePlatform, rsaPrivateKey } from './fake-platforms.js';
import { alternateAll, BENCH_YAML, median, type BenchResult, type Measurement } from './lib.js';
import { SLACK_BENCH_TOKEN } from '../fixtures/fake-secrets.js';

const SECRET = 'bench-signing-secret-0123456789';
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const LOAD = join(dirname(fileURLToPath(import.meta.url)), 'load.mjs');

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

export function load(config: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim()) as LoadResult) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

export async function startVoid(kind: 'slack' | 'github'): Promise<RunningServer & { app: VoidApp }> {
  const fake = await fakePlatform(kind);
  const env: Record<string, string> =
    kind === 'slack'
      ? {
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_BOT_TOKEN: SLACK_BENCH_TOKEN,
          SLACK_BOT_ID: 'B0BENCH',
          SLACK_BOT_USER_ID: 'U0VOIDBOT',
          SLACK_API_URL: fake.url,
        }
      : {
          GITHUB_WEBHOOK_SECRET: SECRET,
          GITHUB_APP_ID: '12345',
          GITHUB_PRIVATE_KEY: rsaPrivateKey(),
          GITHUB_API_URL: fake.url,
        };
  const app = await VoidApp.create(
    testConfig({ yaml: BENCH_YAML, env }),
    {
      role: 'web',
      redisUrl: REDIS_URL,
      prefix: uniqueId('bench'),
      queueName: uniqueId('bq'),
      log: pino({ level: 'silent' }),
    },
    await loadModuleList(),
  );
  await app.start();
  const path = kind === 'slack' ? '/slack/events' : '/github/webhooks';
  return {
    app,
    url: `http://127.0.0.1:${app.port}${path}`,
    close: async () => {
      await app.stop(2000);
      const cleaner = await VoidApp.create(
        testConfig({ yaml: BENCH_YAML }),
        {
          role: 'web',
          redisUrl: REDIS_URL,
          prefix: app.prefix,
          queueName: app.queue.name,
          log: pino({ level: 'silent' }),
        },
        [],
      );
      await cleaner.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await cleaner.intake.obliterate().catch(() => undefined);
      await cleaner.stop(100);
      await deletePrefix(app.prefix);
      await fake.close();
    },
  };
}

async function measure(kind: 'slack' | 'github', start: () => Promise<RunningServer>): Promise<Measurement> {
  const server = await start();
  try {
    // Warm-up (JIT, lazily loaded code, connection pools) for both sides, then the measured run.
    await load({ url: server.url, kind, secret: SECRET, connections: CONNECTIONS, duration: WARMUP });
    const result = await load({ url: server.url, kind, secret: SECRET, connections: CONNECTIONS, duration: DURATION });
    if (result.non2xx || result.errors)
      process.stderr.write(`  ${kind}: ${result.non2xx} non-2xx, ${result.errors} errors of ${result.total}\n`);
    return { value: result.rps, extra: { p50: result.p50, p99: result.p99, failed: result.non2xx + result.errors } };
  } finally {
    await server.close();
  }
}

/** p99 ack latency at a fixed 1,000 req/s offered load (PERFORMANCE.md B1), of Void or (for context) the peer. */
async function latencyAt1000(start: () => Promise<RunningServer>): Promise<Measurement> {
  const server = await start();
  try {
    const offered = { url: server.url, kind: 'slack', secret: SECRET, connections: 50, overallRate: 1000 };
    await load({ ...offered, duration: WARMUP });
    const result = await load({ ...offered, duration: DURATION });
    return { value: result.p99, extra: { rps: result.rps, p50: result.p50, failed: result.non2xx + result.errors } };
  } finally {
    await server.close();
  }
}

/** Void against the peer (the hand-rolled library + BullMQ app) and, for context, the bare library. */
function toResult(
  id: string,
  title: string,
  runs: { bare: Measurement[]; peer: Measurement[]; subject: Measurement[] },
  target: string,
  threshold: number,
): BenchResult {
  const v = runs.subject.map((m) => m.value);
  const p = runs.peer.map((m) => m.value);
  const bare = runs.bare.map((m) => m.value);
  const p99 = (ms: Measurement[]) => ms.map((m) => m.extra?.p99 ?? 0);
  return {
    id,
    title,
    unit: 'req/s',
    target,
    void: v,
    baseline: p,
    extra: {
      'bare library req/s': bare,
      'Void / bare': v.map((x, i) => Number((x / (bare[i] ?? 1)).toFixed(3))),
      'peer / bare': p.map((x, i) => Number((x / (bare[i] ?? 1)).toFixed(3))),
      'Void p99 ms': p99(runs.subject),
      'peer p99 ms': p99(runs.peer),
      'bare p99 ms': p99(runs.bare),
      'Void failed requests': runs.subject.map((m) => m.extra?.failed ?? 0),
    },
    met: median(v.map((x, i) => x / (p[i] ?? 1))) >= threshold && runs.subject.every((m) => !m.extra?.failed),
  };
}

export async function b1(rounds = 3): Promise<BenchResult[]> {
  const [bare = [], peer = [], subject = []] = await alternateAll(rounds, [
    () => measure('slack', () => bareBolt(SECRET)),
    () => measure('slack', () => boltWithBullmq(SECRET, REDIS_URL)),
    () => measure('slack', () => startVoid('slack')),
  ]);
  const throughput = toResult(
    'B1',
    `signed /void status slash commands, ${CONNECTIONS} connections, ${DURATION} s; baseline: ` +
      `Bolt + BullMQ add keyed by trigger_id`,
    { bare, peer, subject },
    '≥ 1.0 × the Bolt + BullMQ peer (floor 0.7 ×)',
    0.7,
  );
  const [peerLatency = [], latency = []] = await alternateAll(rounds, [
    () => latencyAt1000(() => boltWithBullmq(SECRET, REDIS_URL)),
    () => latencyAt1000(() => startVoid('slack')),
  ]);
  const p99 = latency.map((m) => m.value);
  return [
    throughput,
    {
      id: 'B1',
      title: 'p99 ack latency at 1,000 req/s offered',
      unit: 'ms',
      target: 'p99 < 50 ms',
      void: p99,
      extra: {
        'achieved req/s': latency.map((m) => m.extra?.rps ?? 0),
        'peer p99 ms at 1,000 req/s (context)': peerLatency.map((m) => m.value),
      },
      met: median(p99) < 50,
    },
  ];
}

export async function b2(rounds = 3): Promise<BenchResult[]> {
  const [bare = [], peer = [], subject = []] = await alternateAll(rounds, [
    () => measure('github', () => bareOctokit(SECRET)),
    () => measure('github', () => octokitWithBullmq(SECRET, REDIS_URL)),
    () => measure('github', () => startVoid('github')),
  ]);
  return [
    toResult(
      'B2',
      `signed issue_comment webhooks (/void status on a PR), ${CONNECTIONS} connections, ${DURATION} s; ` +
        `baseline: @octokit/webhooks + BullMQ add keyed by the delivery id`,
      { bare, peer, subject },
      '≥ 1.0 × the webhooks + BullMQ peer (floor 0.7 ×)',
      0.7,
    ),
  ];
}
