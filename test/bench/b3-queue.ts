// B3: jobs through dispatcher → BullMQ → worker with a no-op agent, against raw BullMQ Queue.add + Worker with a
// no-op processor on the same Redis. Throughput in jobs/s for the full lifecycle (added → completed), and what each
// side sends to Redis per job (redis-tally.ts): commands and writes (round trips), one job at a time and under load.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { VoidApp } from '../../bot/app.js';
import type { VoidModule } from '../../bot/modules.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import { deletePrefix } from '../helpers/deploy.js';
import { alternate, BENCH_YAML, median, type BenchResult, type Measurement } from './lib.js';
import { RedisTally } from './redis-tally.js';

const JOBS = Number(process.env.B3_JOBS ?? 2000);
const CONCURRENCY = 32;
/** Jobs of the counting pass run one after another (each waits for the previous one to complete). */
const SEQUENTIAL_JOBS = 50;

/** One side of B3: `add(i)` submits job i; `done` resolves once `count` jobs completed since `expect(count)`. */
interface Pipeline {
  add(i: number): Promise<unknown>;
  expect(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function rawBullmq(concurrency = CONCURRENCY): Promise<Pipeline> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const name = uniqueId('b3raw');
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, async () => ({ ok: true }), {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency,
  });
  const counter = completions();
  worker.on('completed', counter.tick);
  return {
    add: (i) => queue.add('noop', { i }, { jobId: `raw-${i}` }),
    expect: counter.expect,
    close: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    },
  };
}

/** `direct`: jobs go straight into Void's queue (no dispatcher): the worker's share of the cost on its own. */
export async function voidPipeline(concurrency = CONCURRENCY, direct = false): Promise<Pipeline> {
  const noop: VoidModule = {
    name: 'bench-noop',
    setup: async () => ({
      kinds: ['triage'],
      processors: () => new Map([['triage', async () => ({ summary: 'nothing to do' })]]),
    }),
  };
  const app = await VoidApp.create(
    testConfig({ yaml: BENCH_YAML }),
    {
      role: 'all',
      redisUrl: REDIS_URL,
      prefix: uniqueId('b3'),
      queueName: uniqueId('b3q'),
      workerConcurrency: concurrency,
      log: pino({ level: 'silent' }),
    },
    [noop],
  );
  const counter = completions();
  app.chat.register('console', {
    post: async (_thread, reply) => {
      if (reply.text.startsWith('✅')) counter.tick();
    },
  });
  await app.start();
  const run = uniqueId('d');
  const submit = (i: number) =>
    app.queue.submitJob(`triage-${run}-${i}`, {
      v: 1,
      kind: 'triage',
      tenantId: 'acme',
      requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
      command: { name: 'triage', ticket: `PAY-${i + 1}` },
      thread: { platform: 'console', channel: 'bench' },
      correlationId: `${run}-${i}`,
      deliveryId: `${run}-${i}`,
    });
  return {
    add: (i) =>
      direct
        ? submit(i)
        : app.dispatcher.dispatch({
            platform: 'console',
            workspaceId: 'acme',
            platformUserId: ['alice', 'bob', 'carol', 'erin'][i % 4] as string,
            text: `triage PAY-${i + 1}`,
            thread: { platform: 'console', channel: 'bench' },
            deliveryId: `${run}-${i}`,
          }),
    expect: counter.expect,
    close: async () => {
      await app.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await app.stop(2000);
      // Delivery marks, limits and indexes of this run (kept days in production) go too.
      await deletePrefix(app.prefix);
    },
  };
}

function completions(): { tick: () => void; expect: (count: number) => Promise<void> } {
  let left = 0;
  let resolve = (): void => undefined;
  return {
    tick: () => {
      if (--left === 0) resolve();
    },
    expect: (count) => {
      left = count;
      return new Promise<void>((r) => (resolve = r));
    },
  };
}

/** JOBS jobs, 50 submits in flight (one add per inbound command, as Void's producers do); jobs/s added → completed. */
export async function throughput(open: () => Promise<Pipeline>): Promise<Measurement> {
  const pipeline = await open();
  const finished = pipeline.expect(JOBS);
  const start = performance.now();
  for (let i = 0; i < JOBS; i += 50)
    await Promise.all(Array.from({ length: Math.min(50, JOBS - i) }, (_, k) => pipeline.add(i + k)));
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await pipeline.close();
  return { value: JOBS / seconds };
}

export interface PerJob {
  readonly commands: number;
  readonly writes: number;
  readonly phases: Record<string, number>;
  readonly byCommand: Record<string, number>;
}

/**
 * Counts Redis traffic per job. `sequential`: one job at a time (each the only one in flight: nothing is shared with
 * another job's round trip); otherwise JOBS jobs at the bench's concurrency. Idle polling between jobs is included.
 */
export async function countPerJob(open: () => Promise<Pipeline>, sequential: boolean): Promise<PerJob> {
  const pipeline = await open();
  const jobs = sequential ? SEQUENTIAL_JOBS : JOBS;
  // Two jobs first, uncounted: connections, scripts and lazily created keys are set up.
  let warm = pipeline.expect(2);
  await Promise.all([pipeline.add(1_000_001), pipeline.add(1_000_002)]);
  await warm;
  const tally = new RedisTally().start();
  if (sequential) {
    for (let i = 0; i < jobs; i++) {
      warm = pipeline.expect(1);
      await pipeline.add(i);
      await warm;
    }
  } else {
    const finished = pipeline.expect(jobs);
    for (let i = 0; i < jobs; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, jobs - i) }, (_, k) => pipeline.add(i + k)));
    await finished;
  }
  // What follows a completion without being awaited by it (e.g. a slot's release) is part of the job too.
  await new Promise((r) => setTimeout(r, 50));
  tally.stop();
  tally.uninstall();
  await pipeline.close();
  const per = (n: number) => Math.round((n / jobs) * 100) / 100;
  return {
    commands: per(tally.total),
    writes: per(tally.writes),
    phases: Object.fromEntries([...tally.phases()].map(([k, v]) => [k, per(v)])),
    byCommand: Object.fromEntries([...tally.commands].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, per(v)])),
  };
}

export async function b3(rounds = 3): Promise<BenchResult> {
  const counts = {
    void1: await countPerJob(() => voidPipeline(1), true),
    raw1: await countPerJob(() => rawBullmq(1), true),
    voidN: await countPerJob(() => voidPipeline(), false),
    rawN: await countPerJob(() => rawBullmq(), false),
  };
  process.stderr.write(`B3 Redis traffic per job: ${JSON.stringify(counts, null, 1)}\n`);
  // One unmeasured round of each first: JIT and lazily loaded code warm up for both sides.
  await throughput(() => rawBullmq());
  await throughput(() => voidPipeline());
  const { baseline, subject } = await alternate(
    rounds,
    () => throughput(() => rawBullmq()),
    () => throughput(() => voidPipeline()),
  );
  const v = subject.map((m) => m.value);
  const b = baseline.map((m) => m.value);
  const ratio = median(v.map((x, i) => x / (b[i] ?? 1)));
  return {
    id: 'B3',
    title: `jobs dispatcher → BullMQ → worker (no-op agent), ${JOBS} jobs, concurrency ${CONCURRENCY}`,
    unit: 'jobs/s',
    target: '≥ 0.5 × raw BullMQ',
    void: v,
    baseline: b,
    extra: {
      'Redis round trips per job, one at a time (Void)': [counts.void1.writes],
      'Redis round trips per job, one at a time (raw BullMQ)': [counts.raw1.writes],
      'Redis commands per job, one at a time (Void)': [counts.void1.commands],
      'Redis commands per job, one at a time (raw BullMQ)': [counts.raw1.commands],
      [`Redis round trips per job at concurrency ${CONCURRENCY} (Void)`]: [counts.voidN.writes],
      [`Redis round trips per job at concurrency ${CONCURRENCY} (raw BullMQ)`]: [counts.rawN.writes],
      [`Redis commands per job at concurrency ${CONCURRENCY} (Void)`]: [counts.voidN.commands],
      [`Redis commands per job at concurrency ${CONCURRENCY} (raw BullMQ)`]: [counts.rawN.commands],
    },
    note: `Void per job, one at a time, commands by phase: ${Object.entries(counts.void1.phases)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    met: ratio >= 0.5,
  };
}
