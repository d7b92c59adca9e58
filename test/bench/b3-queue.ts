// B3: jobs through dispatcher → BullMQ → worker with a no-op agent, against raw BullMQ Queue.add + Worker with a
// no-op processor on the same Redis. Throughput in jobs/s for the full lifecycle (added → completed).
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { VoidApp } from '../../bot/app.js';
import type { VoidModule } from '../../bot/modules.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import { alternate, BENCH_YAML, median, type BenchResult, type Measurement } from './lib.js';

const JOBS = Number(process.env.B3_JOBS ?? 2000);
const CONCURRENCY = 32;

async function rawBullmq(): Promise<Measurement> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const name = uniqueId('b3raw');
  const queue = new Queue(name, { connection });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker(name, async () => ({ ok: true }), {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => {
    if (++done === JOBS) finish();
  });
  const start = performance.now();
  // One Queue.add per job, 50 in flight: the same shape as Void's producers (one add per inbound command).
  for (let i = 0; i < JOBS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, JOBS - i) }, (_, k) =>
        queue.add('noop', { i: i + k }, { jobId: `raw-${i + k}` }),
      ),
    );
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return { value: JOBS / seconds };
}

async function voidPipeline(): Promise<Measurement> {
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
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
      workerConcurrency: CONCURRENCY,
      log: pino({ level: 'silent' }),
    },
    [noop],
  );
  app.chat.register('console', {
    post: async (_thread, reply) => {
      if (reply.text.startsWith('✅') && ++done === JOBS) finish();
    },
  });
  await app.start();
  const start = performance.now();
  const batch = 50;
  for (let i = 0; i < JOBS; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, JOBS - i) }, (_, k) =>
        app.dispatcher.dispatch({
          platform: 'console',
          workspaceId: 'acme',
          platformUserId: ['alice', 'bob', 'carol', 'erin'][(i + k) % 4] as string,
          text: `triage PAY-${i + k + 1}`,
          thread: { platform: 'console', channel: 'bench' },
          deliveryId: `b3-${i + k}`,
        }),
      ),
    );
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await app.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await app.stop(2000);
  return { value: JOBS / seconds };
}

export async function b3(rounds = 3): Promise<BenchResult> {
  // One unmeasured round of each first: JIT and lazily loaded code warm up for both sides.
  await rawBullmq();
  await voidPipeline();
  const { baseline, subject } = await alternate(rounds, rawBullmq, voidPipeline);
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
    met: ratio >= 0.5,
  };
}
