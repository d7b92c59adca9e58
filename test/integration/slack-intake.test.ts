// The ack of a Slack command is one Redis round trip (the intake add); everything after it runs in a worker:
// nothing queued in the web role is lost when no worker is up yet, and a command whose audit record cannot be
// written after the ack is not run (the person is told). ARCHITECTURE.md "The flow of one request", issue #17.
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchableStore } from '../helpers/switchable-store.js';
import { VoidApp } from '../../bot/app.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { REDIS_URL } from '../helpers/app.js';
import { commandsDuring } from '../helpers/redis-monitor.js';
import { reviewTestModule, startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { postSlack, slashForm } from '../helpers/slack.js';

let t: SlackTestApp | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await t?.stop();
  t = undefined;
});

describe('Slack commands through the intake', () => {
  it(
    'acks after one Redis command (the intake add); ' + 'a worker started later runs what the web role queued',
    async () => {
      t = await startSlackApp({ role: 'web' });
      const web = t;
      let status = 0;
      const commands = await commandsDuring(web.prefix, async () => {
        status = (await postSlack(web.url, { body: slashForm({ text: 'review acme/api#42' }) })).status;
      });
      expect(status).toBe(200);
      // One script call: BullMQ's add (EVAL the first time on a connection, EVALSHA after).
      expect(commands).toHaveLength(1);
      expect(commands[0]).toMatch(/^eval(sha)?$/);
      // Acked and durable, but nothing else happened yet: no record, no job, no message.
      expect((await web.app.intake.counts()).waiting).toBe(1);
      expect(await web.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
      expect((await web.app.audit.store.range('acme', 0, 100)).map((r) => r.action)).not.toContain('command.received');
      expect(web.fake.callsOf('chat.postMessage')).toHaveLength(0);

      const slack = createSlackModule();
      const worker = await VoidApp.create(
        web.app.config,
        {
          role: 'worker',
          redisUrl: REDIS_URL,
          prefix: web.prefix,
          queueName: web.app.queue.name,
          auditStore: web.app.audit.store,
        },
        [slack, reviewTestModule],
      );
      cleanups.push(() => worker.stop(2_000));
      await worker.start();
      const [parent] = await web.fake.waitFor('chat.postMessage', (c) => c.params.thread_ts === undefined);
      expect(String(parent?.params.text)).toContain('asked Void');
      await web.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
      const actions = (await web.app.audit.store.range('acme', 0, 100)).map((r) => r.action);
      expect(actions).toContain('command.received');
      expect(actions.indexOf('command.received')).toBeLessThan(actions.indexOf('job.queued'));
    },
  );

  it('does not run a command whose audit record cannot be written after the ack, and tells the person', async () => {
    const store = new SwitchableStore();
    t = await startSlackApp({ app: { auditStore: store } });
    store.down = true;
    const response = await postSlack(t.url, { body: slashForm({ text: 'review acme/api#42' }) });
    expect(response.status).toBe(200);
    await t.settled();
    const told = [...t.fake.callsOf('chat.postEphemeral'), ...t.fake.callsOf('chat.postMessage')].map((c) =>
      String(c.params.text),
    );
    expect(told.some((text) => text.includes('audit trail cannot be written'))).toBe(true);
    expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
    store.down = false;
    expect((await store.range('acme', 0, 100)).map((r) => r.action)).not.toContain('job.queued');
  });
});
