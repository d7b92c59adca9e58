// The Foundation's Done-when: the console adapter through dispatcher → BullMQ on a real Redis → worker → reply,
// and a redelivered event that does not produce a second job.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleSession } from '../../bot/console/receiver.js';
import { createRedis } from '../../bot/redis.js';
import type { InboundCommand } from '../../bot/core/types.js';
import { verifyChain } from '../../audit/verify.js';
import { REDIS_URL, testConfig, trackApps, type TestApp } from '../helpers/app.js';

const { start } = trackApps(afterEach);

function consoleCommand(text: string, deliveryId: string, as = 'alice', tenant = 'acme'): InboundCommand {
  return {
    platform: 'console',
    workspaceId: tenant,
    platformUserId: as,
    text,
    thread: { platform: 'console', channel: 'test-session' },
    deliveryId,
  };
}

/** A console session fed line by line; resolves with everything it printed once input ends and jobs settle. */
async function converse(t: TestApp, lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const subscriber = createRedis(REDIS_URL);
  const session = new ConsoleSession({
    dispatcher: t.app.dispatcher,
    registry: t.app.registry,
    subscriber,
    prefix: t.prefix,
    input,
    output,
    interactive: false,
    settleTimeoutMs: 10_000,
  });
  const done = session.run();
  for (const line of lines) input.write(`${line}\n`);
  input.end();
  const code = await done;
  subscriber.disconnect();
  expect(code).toBe(0);
  return printed;
}

describe('job pipeline through the console adapter', () => {
  it('runs a status job through BullMQ and a worker and shows its progress and result', async () => {
    // Every progress line is printed (no coalescing), so the transcript shows each step.
    const t = await start({ config: testConfig({ env: { VOID_PROGRESS_INTERVAL_MS: '0' } }) });
    const printed = await converse(t, ['whoami', 'status', '/as bob', 'status']);
    expect(printed).toContain('You are Alice Developer (member "alice") in Acme Payments');
    expect(printed).toMatch(/🕐 status: queued as job status-[0-9a-f]{24}/);
    expect(printed).toContain('▶️ status started');
    expect(printed).toMatch(/🔄 status: reading the queue \[█████░░░░░\] 50%/);
    // Each status job lists the tenant's other jobs: whichever finishes second has seen the first one.
    expect(printed).toMatch(
      /✅ status done: Acme Payments, last 1 jobs: 1 [a-z]+\n\s+• status-[0-9a-f]{24}: status by (alice|bob), [a-z]+/,
    );
    expect(printed).toContain('bob@acme> status');
    // The final reply is posted just before BullMQ records the completion: wait for the bookkeeping.
    let counts = await t.app.queue.queue.getJobCounts('completed', 'waiting', 'active', 'failed');
    for (let i = 0; i < 50 && counts.completed !== 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      counts = await t.app.queue.queue.getJobCounts('completed', 'waiting', 'active', 'failed');
    }
    expect(counts).toMatchObject({ completed: 2, waiting: 0, active: 0, failed: 0 });
  });

  it('does not queue a second job for a redelivered event, even after the delivery ledger forgot it', async () => {
    const t = await start({ role: 'web' });
    const first = await t.app.dispatcher.dispatch(consoleCommand('status', 'delivery-1'));
    const again = await t.app.dispatcher.dispatch(consoleCommand('status', 'delivery-1'));
    expect(first.duplicate).toBe(false);
    expect(first.replies[0]?.text).toMatch(/queued as job/);
    expect(again).toMatchObject({ duplicate: true, replies: [] });
    // The ledger's key lapses (or Redis lost it): the deterministic job id still refuses a second job.
    await t.app.redis.del(`${t.prefix}:delivery:console:delivery-1`);
    const late = await t.app.dispatcher.dispatch(consoleCommand('status', 'delivery-1'));
    expect(late.replies).toEqual([]);
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(1);
    const other = await t.app.dispatcher.dispatch(consoleCommand('status', 'delivery-2'));
    expect(other.replies[0]?.text).toMatch(/queued as job/);
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(2);
  });

  it('keeps every step in a hash-chained audit trail of the tenant', async () => {
    const t = await start();
    await converse(t, ['status', 'frobnicate']);
    const records = await t.app.audit.store.range('acme', 1, 100);
    const chain = records.filter((r) => r.correlationId === records[0]?.correlationId);
    expect(chain.map((r) => r.action)).toEqual(['command.received', 'job.queued', 'job.started', 'job.completed']);
    expect(chain[0]).toMatchObject({
      actor: { memberId: 'alice', platform: 'console' },
      target: 'status',
      outcome: 'success',
    });
    const unparsable = records.filter((r) => r.correlationId !== records[0]?.correlationId);
    expect(unparsable).toEqual([
      expect.objectContaining({
        action: 'command.received',
        outcome: 'failure',
        details: { code: 'command.unparsable' },
      }),
    ]);
    expect(await verifyChain(t.app.audit.store, 'acme')).toMatchObject({ ok: true, checked: records.length });
    expect(await t.app.audit.store.range('globex', 1, 100)).toEqual([]);
  });
});
