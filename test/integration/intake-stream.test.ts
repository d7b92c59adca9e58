// The intake on its Redis stream (bot/intake.ts, bot/intake-worker.ts): a replay of the same signed bytes adds nothing
// and names the first copy's delivery id; an item that throws is tried three times, told `final` only on the last,
// and then kept in the failed stream; an item whose worker died is taken over by a live worker under the same id;
// one whose workers died three times is failed without running again. Real Redis, no BullMQ.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntakeItem } from '../../bot/core/intake.js';
import { Intake } from '../../bot/intake.js';
import { INTAKE_GROUP } from '../../bot/intake-keys.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';

const open: Array<{ intake: Intake; connections: Redis[] }> = [];
afterEach(async () => {
  for (const { intake, connections } of open.splice(0)) {
    await intake.obliterate().catch(() => undefined);
    await intake.close();
    for (const c of connections) c.disconnect();
  }
});

function makeIntake(prefix = uniqueId('intake')): { intake: Intake; redis: Redis; prefix: string } {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const intake = new Intake({
    connection: redis,
    prefix,
    queueName: 'jobs',
    log: pino({ level: 'silent' }),
    replayTtlMs: 60_000,
  });
  open.push({ intake, connections: [redis] });
  return { intake, redis, prefix };
}

function startWorker(intake: Intake, lockDuration = 200, forgetConsumersAfter?: number): void {
  const reader = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  open.at(-1)?.connections.push(reader);
  intake.start(reader, 4, {
    lockDuration,
    stalledInterval: 100,
    ...(forgetConsumersAfter ? { forgetConsumersAfter } : {}),
  });
}

const item = (deliveryId: string, text = 'status'): IntakeItem => ({
  platform: 'github',
  deliveryId,
  body: { text },
  receivedAt: Date.now(),
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the intake stream', () => {
  it('queues distinct bytes; a replay of the same bytes gets the first copy and its delivery id', async () => {
    const { intake } = makeIntake();
    await intake.ready();
    const first = await intake.submit(item('d-1'), 'signed bytes A');
    const other = await intake.submit(item('d-2'), 'signed bytes B');
    const replay = await intake.submit(item('d-9'), 'signed bytes A');
    expect([first.outcome, other.outcome]).toEqual(['queued', 'queued']);
    expect(replay).toEqual({ outcome: 'replay', jobId: first.jobId, firstDeliveryId: 'd-1' });
    expect(await intake.counts()).toEqual({ waiting: 2, active: 0, failed: 0 });
  });

  it('tries an item that throws three times, final only on the last, then keeps it as failed', async () => {
    const { intake } = makeIntake();
    const seen: Array<{ final: boolean; id: string }> = [];
    intake.register('github', async (_item, attempt) => {
      seen.push(attempt);
      throw new Error('audit store down');
    });
    startWorker(intake);
    await intake.ready();
    const { jobId } = await intake.submit(item('d-1'), 'bytes');
    await intake.settled();
    expect(seen).toEqual([
      { final: false, id: jobId },
      { final: false, id: jobId },
      { final: true, id: jobId },
    ]);
    expect(await intake.failedItems()).toEqual([
      { id: jobId, attempts: 3, error: 'audit store down', data: expect.stringContaining('"deliveryId":"d-1"') },
    ]);
    expect(await intake.counts()).toEqual({ waiting: 0, active: 0, failed: 1 });
    expect(intake.stats).toEqual({ handled: 0, retried: 2, failed: 1 });
  });

  it('takes over, under the same id, an item whose worker died mid-way; nothing is run twice at once', async () => {
    const { intake, redis } = makeIntake();
    await intake.ready();
    const { jobId } = await intake.submit(item('d-1'), 'bytes');
    // A worker that read the item and died (never acknowledged it).
    await redis.xreadgroup('GROUP', INTAKE_GROUP, 'dead-worker', 'COUNT', 1, 'STREAMS', intake.keys.stream, '>');
    expect(await intake.counts()).toEqual({ waiting: 0, active: 1, failed: 0 });
    const runs: Array<{ final: boolean; id: string }> = [];
    intake.register('github', async (_item, attempt) => void runs.push(attempt));
    startWorker(intake, 300);
    await until('the take-over', () => runs.length === 1);
    expect(runs).toEqual([{ final: false, id: jobId }]);
    await until('the stream emptied', async () => (await intake.counts()).active === 0);
    expect(await intake.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
  });

  it('fails, without running it again, an item whose workers died three times', async () => {
    const { intake, redis } = makeIntake();
    await intake.ready();
    const { jobId } = await intake.submit(item('d-1'), 'bytes');
    await redis.xreadgroup('GROUP', INTAKE_GROUP, 'dead-1', 'COUNT', 1, 'STREAMS', intake.keys.stream, '>');
    for (const dead of ['dead-2', 'dead-3']) await redis.xclaim(intake.keys.stream, INTAKE_GROUP, dead, 0, jobId);
    let runs = 0;
    intake.register('github', async () => void (runs += 1));
    startWorker(intake, 100);
    await until('the failure', async () => (await intake.counts()).failed === 1);
    expect(runs).toBe(0);
    expect((await intake.failedItems())[0]).toMatchObject({
      id: jobId,
      attempts: 3,
      error: expect.stringMatching(/stopped 3 times/),
    });
  });

  it('keeps an item alive while its handler runs longer than the lock: no other worker takes it', async () => {
    const { intake, prefix } = makeIntake();
    let running = 0;
    let release = (): void => undefined;
    intake.register('github', async () => {
      running += 1;
      await new Promise<void>((r) => (release = r));
    });
    startWorker(intake, 150);
    await intake.ready();
    await intake.submit(item('d-1'), 'bytes');
    await until('the run', () => running === 1);
    // A second worker on the same intake, polling for items idle longer than the lock, while the first one runs.
    const { intake: second } = makeIntake(prefix);
    let taken = 0;
    second.register('github', async () => void (taken += 1));
    startWorker(second, 150);
    await new Promise((r) => setTimeout(r, 800));
    release();
    await intake.settled();
    expect([running, taken]).toEqual([1, 0]);
    expect(await intake.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
  });

  it('runs what the previous release acked into its BullMQ intake queue, through the same handler', async () => {
    const { intake, prefix } = makeIntake();
    const old = new Queue<IntakeItem>('jobs-intake', { connection: { url: REDIS_URL }, prefix });
    await old.add('github', item('d-old'), { jobId: 'old-1', attempts: 3 });
    const runs: Array<{ deliveryId: string; id: string; final: boolean }> = [];
    intake.register('github', async (queued, attempt) => void runs.push({ deliveryId: queued.deliveryId, ...attempt }));
    startWorker(intake);
    await until('the old item', () => runs.length === 1);
    expect(runs).toEqual([{ deliveryId: 'd-old', id: 'old-1', final: false }]);
    await until('the old queue drained', async () => (await old.getCompletedCount()) === 1);
    await old.obliterate({ force: true });
    await old.close();
  });

  it('does not take back an item another worker took over, and leaves its end to that worker', async () => {
    const { intake, redis } = makeIntake();
    let release = (): void => undefined;
    let running = 0;
    intake.register('github', async () => {
      running += 1;
      await new Promise<void>((r) => (release = r));
    });
    startWorker(intake, 100);
    await intake.ready();
    const { jobId } = await intake.submit(item('d-1'), 'bytes');
    await until('the run', () => running === 1);
    // As if this worker had lost Redis for longer than the lock and another (alive: it heartbeats) had taken it over.
    const other = () => redis.xclaim(intake.keys.stream, INTAKE_GROUP, 'other-worker', 0, jobId, 'JUSTID');
    await other();
    const alive = setInterval(() => void other(), 30);
    await new Promise((r) => setTimeout(r, 300)); // several heartbeats of this worker
    release();
    await new Promise((r) => setTimeout(r, 100));
    const pending = (await redis.xpending(intake.keys.stream, INTAKE_GROUP, '-', '+', 10)) as [string, string][];
    clearInterval(alive);
    expect(pending.map(([id, owner]) => [id, owner])).toEqual([[jobId, 'other-worker']]);
    // Not deleted or acknowledged by this worker: the other one finishes it.
    expect(await intake.counts()).toEqual({ waiting: 0, active: 1, failed: 0 });
    expect(running).toBe(1);
    await redis.xack(intake.keys.stream, INTAKE_GROUP, jobId);
  });

  it('keeps an item alive through close until its handler ends: no other worker runs it meanwhile', async () => {
    const { intake, prefix } = makeIntake();
    let ran = 0;
    intake.register('github', async () => {
      await new Promise((r) => setTimeout(r, 700));
      ran += 1;
    });
    startWorker(intake, 150);
    await intake.ready();
    await intake.submit(item('d-1'), 'bytes');
    await until('the run', async () => (await intake.counts()).active === 1);
    const { intake: second } = makeIntake(prefix);
    let taken = 0;
    second.register('github', async () => void (taken += 1));
    startWorker(second, 150);
    await intake.close();
    await new Promise((r) => setTimeout(r, 400));
    expect([ran, taken]).toEqual([1, 0]);
    expect(await second.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
  });

  it('forgets the consumers of killed workers that have nothing pending, and keeps those that do', async () => {
    const { intake, redis } = makeIntake();
    await intake.ready();
    const { jobId } = await intake.submit(item('d-1'), 'bytes');
    await redis.xgroup('CREATECONSUMER', intake.keys.stream, INTAKE_GROUP, 'killed-idle');
    await redis.xreadgroup('GROUP', INTAKE_GROUP, 'killed-busy', 'COUNT', 1, 'STREAMS', intake.keys.stream, '>');
    await new Promise((r) => setTimeout(r, 150));
    let runs = 0;
    intake.register('github', async () => void (runs += 1));
    // A lock far longer than the test: the busy one's item is not taken over, so its consumer keeps it.
    startWorker(intake, 60_000, 100);
    const names = async () =>
      ((await redis.xinfo('CONSUMERS', intake.keys.stream, INTAKE_GROUP)) as string[][]).map((c) => c[1]);
    await until('the idle consumer forgotten', async () => !(await names()).includes('killed-idle'));
    expect(await names()).toContain('killed-busy');
    const summary = (await redis.xpending(intake.keys.stream, INTAKE_GROUP)) as unknown[];
    expect(summary).toEqual([1, jobId, jobId, [['killed-busy', '1']]]);
    expect(runs).toBe(0);
  });
});
