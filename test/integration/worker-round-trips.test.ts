// A no-op job's cost in Redis, pinned: counted by Redis itself (MONITOR on a private redis-server that nothing else
// uses; commands that Lua scripts run inside Redis are not round trips and are left out) and by the socket writes of
// this process (test/bench/redis-tally.ts). If a change adds a command or a write to every job (a second slot script,
// a MULTI, an awaited read), this fails. Jobs are queued straight into the queue, and
// then as commands through the dispatcher (its claim and limits, and the delivery's done mark sent with the job).
import { createConnection } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoidApp } from '../../bot/app.js';
import type { JobData } from '../../bot/core/jobs.js';
import type { VoidModule } from '../../bot/modules.js';
import { phaseOf, RedisTally } from '../bench/redis-tally.js';
import { testConfig, uniqueId } from '../helpers/app.js';
import { RedisProcess } from '../helpers/redis-server.js';

const JOBS = 20;
/** Commands per no-op job, all phases: 4 (ZADD to the tenant index, addStandardJob, slot acquire, moveToFinished,
 *  which also fetches the next job; the slot needs no release: it is free once the job's lock is gone), plus the
 *  index's trim (1 in 20) and BZPOPMIN/moveToActive when the worker found the queue empty. Measured 4.55 on
 *  2026-12-04; 5.3–5.5 with the slot's release; before the slot scripts 8.4. */
const MAX_COMMANDS_PER_JOB = 5;
/** Socket writes per job: with no auto-pipelining (its per-batch Pipeline cost more than the writes it saved) every
 *  command is one write, and the index entry and the insert are sent together (two writes, one wait). Measured 4.55
 *  on 2026-12-04 (3.3 auto-pipelined, with a command more). */
const MAX_WRITES_PER_JOB = 5;
/** Through the dispatcher, one command (`triage PAY-n`) at a time: the above plus the claim-and-count script, with the
 *  delivery's done mark in the tenant index's script (not a SET of its own): 5 commands of the job's own (claim,
 *  insert, index, slot, moveToFinished), and the idle worker's pick-up of each (BZPOPMIN, moveToActive; a spare pair
 *  when a marker is left over, which depends on timing). Measured 7.25 on 2026-12-04 and 2026-12-05 (a lone call
 *  of a batched script is sent at once: runScriptBatched changes nothing one at a time). */
const MAX_DISPATCHED_COMMANDS_PER_JOB = 7.5;
const MAX_DISPATCHED_WRITES_PER_JOB = 7.5;
/** The job's own commands (all but the worker's pick-up), one command at a time. */
const MAX_DISPATCHED_OWN_COMMANDS_PER_JOB = 5.1;
/** Through the dispatcher, a burst of commands at once: the first claim is sent at once and the others as one script
 *  call, their index entries (with the done marks) likewise (bot/core/redis-script.ts runScriptBatched); per job
 *  stay BullMQ's insert, the slot (this worker runs one job at a time) and moveToFinished. Measured 3.6 (3.45 by
 *  this process's count) on 2026-12-05, 3.65 in a loaded CI run; 5.3 before the batching. */
const MAX_BURST_COMMANDS_PER_JOB = 4.2;

const noop: VoidModule = {
  name: 'noop-jobs',
  setup: async () => ({
    kinds: ['triage'],
    processors: () => new Map([['triage', async () => ({ summary: 'nothing to do' })]]),
  }),
};

/** Every command Redis receives from a client (not those its Lua scripts run), by name, while `fn` runs. MONITOR is
 *  read on a plain socket: each line is `+<time> [<db> <client address or lua>] "<command>" …`. */
async function monitored(port: number, fn: () => Promise<void>): Promise<Map<string, number>> {
  const socket = createConnection({ host: '127.0.0.1', port });
  const seen = new Map<string, number>();
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\r\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!m || m[1] === 'lua') continue;
      const name = (m[2] as string).toLowerCase();
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
  });
  await new Promise<void>((resolve) => socket.write('MONITOR\r\n', () => resolve()));
  await new Promise((r) => setTimeout(r, 100));
  await fn();
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
  return seen;
}

describe('Redis cost of a no-op job', () => {
  let server: RedisProcess;
  let app: VoidApp;
  let waiting: (() => void) | undefined;

  beforeAll(async () => {
    server = await RedisProcess.start(false);
    app = await VoidApp.create(
      testConfig(),
      {
        role: 'all',
        redisUrl: server.url,
        prefix: uniqueId('rt'),
        workerConcurrency: 1,
        log: pino({ level: 'silent' }),
      },
      [noop],
    );
    app.chat.register('console', {
      post: async (_thread, reply) => {
        if (reply.text.startsWith('✅')) waiting?.();
      },
    });
    await app.start();
  }, 30_000);

  afterAll(async () => {
    await app?.stop(1000);
    await server?.kill();
  });

  async function runJob(i: number): Promise<void> {
    const done = new Promise<void>((resolve) => (waiting = resolve));
    const data: JobData = {
      v: 1,
      kind: 'triage',
      tenantId: 'acme',
      requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
      command: { name: 'triage', ticket: `PAY-${i + 1}` },
      thread: { platform: 'console', channel: 'rt' },
      correlationId: `rt-${i}`,
      deliveryId: `rt-${i}`,
    };
    const { duplicate } = await app.queue.submitJob(`triage-rt-${i}`, data);
    expect(duplicate).toBe(false);
    await done;
  }

  async function runCommand(i: number): Promise<void> {
    const done = new Promise<void>((resolve) => (waiting = resolve));
    const result = await app.dispatcher.dispatch({
      platform: 'console',
      workspaceId: 'acme',
      platformUserId: ['alice', 'bob', 'carol', 'erin'][i % 4] as string,
      text: `triage PAY-${i + 1}`,
      thread: { platform: 'console', channel: 'rt' },
      deliveryId: `rt-cmd-${i}`,
    });
    expect(result.replies.map((r) => r.text).join(' ')).toContain('queued as job');
    await done;
  }

  /** What JOBS jobs sent while `fn` ran: by Redis (MONITOR: `spent`, `commands` per job) and this process (tally). */
  async function measured(fn: () => Promise<void>) {
    const tally = new RedisTally();
    const spent = await monitored(server.port, async () => {
      tally.start();
      await fn();
      await new Promise((r) => setTimeout(r, 50));
      tally.stop();
    });
    tally.uninstall();
    const commands = [...spent.values()].reduce((a, b) => a + b, 0) / JOBS;
    const detail = JSON.stringify({ byRedis: Object.fromEntries(spent), byClient: Object.fromEntries(tally.commands) });
    return { tally, spent, commands, detail };
  }

  it('costs at most the pinned number of commands and writes, one job at a time', async () => {
    await runJob(1000);
    await runJob(1001);
    const { tally, spent, commands, detail } = await measured(async () => {
      for (let i = 0; i < JOBS; i++) await runJob(i);
    });
    const writes = tally.writes / JOBS;
    // Redis and this process agree on what was sent (nothing else talks to this server).
    expect(Math.abs(commands - tally.total / JOBS), detail).toBeLessThan(0.2);
    expect(commands, detail).toBeLessThanOrEqual(MAX_COMMANDS_PER_JOB);
    expect(writes, detail).toBeLessThanOrEqual(MAX_WRITES_PER_JOB);
    // The slot is taken once per job, one command, and never released by a command of its own.
    expect(tally.commands.get('voidSlotAcquire')).toBe(JOBS);
    const slotCommands = [...tally.commands].filter(([name]) => /slot/i.test(name)).reduce((a, [, n]) => a + n, 0);
    expect(slotCommands, detail).toBe(JOBS);
    expect(spent.get('multi') ?? 0, detail).toBe(0);
  }, 60_000);

  it('through the dispatcher, marks the delivery done with the job: no SET of its own, no command more', async () => {
    await runCommand(1000);
    const { tally, spent, commands, detail } = await measured(async () => {
      for (let i = 0; i < JOBS; i++) await runCommand(i);
    });
    expect(commands, detail).toBeLessThanOrEqual(MAX_DISPATCHED_COMMANDS_PER_JOB);
    expect(tally.writes / JOBS, detail).toBeLessThanOrEqual(MAX_DISPATCHED_WRITES_PER_JOB);
    const pickUp = [...tally.commands].filter(([name]) => phaseOf(name) === 'pick-up').reduce((a, [, n]) => a + n, 0);
    expect((tally.total - pickUp) / JOBS, detail).toBeLessThanOrEqual(MAX_DISPATCHED_OWN_COMMANDS_PER_JOB);
    expect(spent.get('set') ?? 0, detail).toBe(0);
    expect(tally.commands.get('indexAndMark'), detail).toBe(JOBS);
    // A redelivery of a handled command is refused by its done mark (not run again, nothing queued).
    const again = await app.dispatcher.dispatch({
      platform: 'console',
      workspaceId: 'acme',
      platformUserId: 'alice',
      text: 'triage PAY-1',
      thread: { platform: 'console', channel: 'rt' },
      deliveryId: 'rt-cmd-0',
    });
    expect(again.duplicate).toBe(true);
    const left = await app.redis.ttl(`${app.prefix}:delivery:console:rt-cmd-0`);
    expect(left).toBeGreaterThan(3600);
  }, 60_000);

  /** Dispatches commands all at once (deliveries `rt-<tag>-<i>`); resolves when every job has completed. */
  async function burst(tag: string, count: number): Promise<void> {
    const finished = new Promise<void>((resolve) => {
      let left = count;
      waiting = () => {
        if (--left === 0) resolve();
      };
    });
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        app.dispatcher.dispatch({
          platform: 'console',
          workspaceId: 'acme',
          platformUserId: ['alice', 'bob', 'carol', 'erin'][i % 4] as string,
          text: `triage PAY-${i + 1}`,
          thread: { platform: 'console', channel: 'rt' },
          deliveryId: `rt-${tag}-${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.replies.some((x) => x.text.includes('queued as job')))).toHaveLength(count);
    await finished;
  }

  it('through the dispatcher, a burst of commands claims and indexes its jobs in one script call each', async () => {
    // A burst first, uncounted: connections and scripts are warm.
    await burst('warm', 2);
    const { tally, commands, detail } = await measured(() => burst('burst', JOBS));
    expect(commands, detail).toBeLessThanOrEqual(MAX_BURST_COMMANDS_PER_JOB);
    // The first of the turn at once, the 19 others together (2 script calls; a loaded machine can split the burst's
    // later steps over one more turn), not one per command.
    expect(tally.commands.get('claimAndCount'), detail).toBeLessThanOrEqual(4);
    expect(tally.commands.get('indexAndMark'), detail).toBeLessThanOrEqual(4);
    expect(tally.commands.get('addStandardJob:6.7.0'), detail).toBe(JOBS);
    // Every delivery was marked done by its job's index script (its redelivery would be refused).
    const marks = await Promise.all(
      Array.from({ length: JOBS }, (_, i) => app.redis.ttl(`${app.prefix}:delivery:console:rt-burst-${i}`)),
    );
    expect(marks.every((ttl) => ttl > 3600)).toBe(true);
  }, 60_000);
});
