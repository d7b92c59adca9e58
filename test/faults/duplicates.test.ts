// RELIABILITY.md #19: the same delivery twice, or a retry while the first is still running → one job.
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { VoidApp } from '../../bot/app.js';
import type { InboundCommand } from '../../bot/core/types.js';
import { REDIS_URL, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { BENCH_YAML } from '../bench/lib.js';

let t: TestApp | undefined;
let second: VoidApp | undefined;
afterEach(async () => {
  await second?.stop(1000);
  await t?.stop();
  t = undefined;
  second = undefined;
});

const delivery = (id: string): InboundCommand => ({
  platform: 'slack',
  workspaceId: 'T0ACME001',
  platformUserId: 'U0ALICE01',
  text: 'status',
  thread: { platform: 'slack', channel: 'C1', thread: '1.2' },
  deliveryId: id,
});

describe('fault: duplicate and concurrent deliveries', () => {
  it('queues one job when 30 copies of one delivery arrive at once at two web processes', async () => {
    const config = testConfig({ yaml: BENCH_YAML });
    t = await startTestApp({ role: 'web', config });
    second = await VoidApp.create(
      config,
      {
        role: 'web',
        redisUrl: REDIS_URL,
        prefix: t.prefix,
        queueName: t.app.queue.name,
        log: pino({ level: 'silent' }),
      },
      [],
    );
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? second : t?.app)?.dispatcher.dispatch(delivery('Ev0123DUP'))),
    );
    const firsts = results.filter((r) => r && !r.duplicate);
    console.log(
      `[fault duplicates] 30 concurrent copies → ${firsts.length} processed, ${results.length - firsts.length} ` +
        `recognised as duplicates`,
    );
    expect(firsts).toHaveLength(1);
    expect(firsts[0]?.replies[0]?.text).toMatch(/queued as job/);
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(1);
    const received = (await t.app.audit.store.range('acme', 1, 100)).filter((r) => r.action === 'command.received');
    // Each process keeps its own embedded trail here; together they recorded the command once.
    const receivedSecond = (await second.audit.store.range('acme', 1, 100)).filter(
      (r) => r.action === 'command.received',
    );
    expect(received.length + receivedSecond.length).toBe(1);
  });

  it('processes a retry whose first attempt failed before it finished', async () => {
    t = await startTestApp({ role: 'web' });
    await t.app.redis.set(`${t.prefix}:delivery:slack:Ev0RETRY`, 'processing', 'EX', 1);
    const during = await t.app.dispatcher.dispatch(delivery('Ev0RETRY'));
    expect(during.duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    const after = await t.app.dispatcher.dispatch(delivery('Ev0RETRY'));
    expect(after.duplicate).toBe(false);
    expect(after.replies[0]?.text).toMatch(/queued as job/);
  });
});
