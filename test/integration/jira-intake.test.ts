// The ack of a JIRA webhook is one Redis round trip (the intake add); everything after it runs in a worker: nothing
// the web role acked is lost when no worker is up yet, and a command whose audit record cannot be written after the
// ack is not run (retried twice, then the ticket is told). ARCHITECTURE.md "The flow of one request", issue #17.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import { VoidApp } from '../../bot/app.js';
import { REDIS_URL, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { deliver, FakeJira, fixture, JIRA_ENV, JIRA_TENANTS, jiraModule, type Delivery } from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';
import { id } from '../helpers/jira-webhooks.js';
import { commandsDuring } from '../helpers/redis-monitor.js';
import { SwitchableStore } from '../helpers/switchable-store.js';

let t: TestApp | undefined;
let jira: FakeJira;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => {
  jira = new FakeJira().install();
  jira.addIssue('PAY-12');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await t?.stop();
  t = undefined;
});

const config = () => testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
const triage = () => fixture('comment_created', (p) => void (p.comment.body = '/void triage'));
const actions = async (app: TestApp) => (await app.app.audit.store.range('acme', 1, 1000)).map((r) => r.action);

describe('JIRA webhooks through the intake', () => {
  it('acks after one Redis command (the intake add); a worker started later runs what the web role acked', async () => {
    const runs: JobData[] = [];
    t = await startTestApp({ role: 'web', config: config(), modules: [jiraModule, recordingAgents(runs)] });
    const web = t;
    let res: Delivery | undefined;
    const commands = await commandsDuring(web.prefix, async () => {
      res = await deliver(web.url, triage(), { id: id() });
    });
    expect([res?.status, res?.body]).toEqual([202, { ok: true, queued: true }]);
    // One script call: BullMQ's add (EVAL the first time on a connection, EVALSHA after).
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^eval(sha)?$/);
    // Acked and durable, but nothing else happened yet: no record, no job, no comment, not even a read of JIRA.
    expect((await web.app.intake.counts()).waiting).toBe(1);
    expect(await web.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    expect(await actions(web)).not.toContain('command.received');
    expect(jira.calls.filter((c) => c.path.includes('PAY-12'))).toEqual([]);

    const worker = await VoidApp.create(
      web.app.config,
      {
        role: 'worker',
        redisUrl: REDIS_URL,
        prefix: web.prefix,
        queueName: web.app.queue.name,
        auditStore: web.app.audit.store,
      },
      [jiraModule, recordingAgents(runs)],
    );
    cleanups.push(() => worker.stop(2_000));
    await worker.start();
    await jira.waitFor(() => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')), 'the triage result');
    expect(runs.map((r) => [r.command, r.requester.memberId])).toEqual([
      [{ name: 'triage', ticket: 'PAY-12' }, 'alice'],
    ]);
    const recorded = await actions(web);
    expect(recorded.indexOf('command.received')).toBeGreaterThanOrEqual(0);
    expect(recorded.indexOf('command.received')).toBeLessThan(recorded.indexOf('job.queued'));
  });

  it('answers a delivery that would do nothing in the ack, with no Redis command and nothing queued', async () => {
    t = await startTestApp({ role: 'web', config: config(), modules: [jiraModule] });
    const web = t;
    const chatter = fixture('comment_created', (p) => void (p.comment.body = 'Looks good, merging after lunch'));
    const elsewhere = fixture('comment_created', (p) => {
      p.issue.key = 'HR-5';
      p.issue.fields.project.key = 'HR';
      p.comment.body = '/void triage';
    });
    const answers: Delivery[] = [];
    const commands = await commandsDuring(web.prefix, async () => {
      answers.push(await deliver(web.url, chatter, { id: id() }));
      answers.push(await deliver(web.url, elsewhere, { id: id() }));
    });
    expect(answers.map((a) => [a.status, a.body.ignored])).toEqual([
      [200, 'no_command'],
      [200, 'project_not_bound'],
    ]);
    expect(commands).toEqual([]);
    expect((await web.app.intake.counts()).waiting).toBe(0);
  });

  it('does not run a command whose audit record cannot be written after the ack; the ticket is told', async () => {
    const store = new SwitchableStore();
    const runs: JobData[] = [];
    t = await startTestApp({
      config: config(),
      modules: [jiraModule, recordingAgents(runs)],
      app: { auditStore: store },
    });
    store.down = true;
    expect((await deliver(t.url, triage(), { id: id() })).status).toBe(202);
    await t.app.intake.settled();
    // Retried twice (the intake's backoff), then, on the last attempt, one comment saying nothing was done.
    expect(t.app.intake.stats).toEqual({ handled: 1, retried: 2, failed: 0 });
    expect(jira.commentTexts('PAY-12')).toEqual([
      'The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
    ]);
    expect(runs).toEqual([]);
    expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
    store.down = false;
    expect(await actions(t)).not.toContain('job.queued');
  });

  it('acks 503 with retry-after when the queue is down, and a redelivery once it is back is queued', async () => {
    const runs: JobData[] = [];
    t = await startTestApp({ config: config(), modules: [jiraModule, recordingAgents(runs)] });
    const payload = triage();
    const delivery = id();
    const submit = t.app.intake.submit.bind(t.app.intake);
    t.app.intake.submit = () => Promise.reject(new Error('Connection is closed.'));
    const down = await deliver(t.url, payload, { id: delivery });
    expect([down.status, down.body.error, down.headers.get('retry-after')]).toEqual([503, 'queue.unavailable', '5']);
    expect(runs).toEqual([]);
    t.app.intake.submit = submit;
    expect((await deliver(t.url, payload, { id: delivery })).status).toBe(202);
    await jira.waitFor(() => runs.length === 1, 'the triage run');
  });
});
