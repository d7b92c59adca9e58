// RELIABILITY.md #22: the store (audit trail) down → no job with side effects runs without its audit record; the
// caller is told; afterwards the chain shows neither gap nor fork.
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchableStore } from '../helpers/switchable-store.js';
import { verifyChain } from '../../audit/verify.js';
import type { Reply } from '../../bot/core/types.js';
import type { VoidModule } from '../../bot/modules.js';
import { VoidApp } from '../../bot/app.js';
import { REDIS_URL, startTestApp, testConfig, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
let stopWorker: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopWorker?.();
  await t?.stop();
  t = undefined;
  stopWorker = undefined;
});

describe('fault: audit store down', () => {
  it(
    'runs no agent while the trail cannot be written, ' + 'tells the thread, and resumes with an intact chain',
    async () => {
      const store = new SwitchableStore();
      let sideEffects = 0;
      const effectful: VoidModule = {
        name: 'fault-side-effect',
        setup: async () => ({
          kinds: ['deploy'],
          processors: () => new Map([['deploy', async () => ({ summary: `deployment ${++sideEffects}` })]]),
        }),
      };
      const config = testConfig({ env: { VOID_JOB_ATTEMPTS: '3' } });
      t = await startTestApp({ role: 'web', modules: [effectful], config, app: { auditStore: store } });
      await t.app.dispatcher.dispatch({
        platform: 'console',
        workspaceId: 'acme',
        platformUserId: 'erin',
        text: 'deploy payments to staging',
        thread: { platform: 'console', channel: 'c' },
        deliveryId: 'store-down-1',
      });
      store.down = true;
      console.log('[fault store-down] job queued; store made unreachable; starting a worker');
      const worker = await VoidApp.create(
        config,
        {
          role: 'worker',
          redisUrl: REDIS_URL,
          prefix: t.prefix,
          queueName: t.app.queue.name,
          auditStore: store,
          jobBackoffMs: 300,
          log: t.app.log,
        },
        [effectful],
      );
      const replies: Reply[] = [];
      worker.chat.register('console', { post: async (_thread, reply) => void replies.push(reply) });
      await worker.start();
      stopWorker = () => worker.stop(2000);
      const warned = Date.now() + 10_000;
      while (!replies.some((r) => r.text.startsWith('⚠️')) && Date.now() < warned)
        await new Promise((r) => setTimeout(r, 20));
      expect(sideEffects).toBe(0);
      expect(replies.find((r) => r.text.startsWith('⚠️'))?.text).toContain(
        'The audit trail cannot be written right now, so nothing was done',
      );
      store.down = false;
      console.log('[fault store-down] store back');
      const deadline = Date.now() + 10_000;
      while (!replies.some((r) => r.text.startsWith('✅')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(sideEffects).toBe(1);
      const records = await store.range('acme', 1, 100);
      expect(await verifyChain(store, 'acme')).toMatchObject({ ok: true, checked: records.length });
      expect(records.map((r) => r.action)).toEqual(['command.received', 'job.queued', 'job.started', 'job.completed']);
      console.log(
        `[fault store-down] checked: 0 side effects while down, 1 after; chain of ${records.length} records ` +
          `without gap or fork`,
      );
    },
    30_000,
  );
});
