// Answers that need no job (issue 17 item 2), in JIRA: `/void help`, `whoami`, `status`, `policy explain …` and a
// usage error, each written as a comment and delivered signed like JIRA Cloud, are answered with exactly ONE comment
// on the ticket: no "queued as job" comment, no job, no comment edited afterwards; the command is still recorded
// (`command.received`). If that record cannot be written, nothing is answered and no job is queued: the delivery is
// retried (after the ack, in the worker), and after the last attempt the ticket is told that nothing was done.
import { describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { deliver, fixture, FakeJira, JIRA_ENV, JIRA_TENANTS, jiraModule } from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';
import { id, useJiraWebhookApp } from '../helpers/jira-webhooks.js';

const s = useJiraWebhookApp();

const comment = (body: string) => fixture('comment_created', (p) => void (p.comment.body = body));

/** Comments Void created on PAY-12 and comment edits (PUT of a comment itself, not of its marker property). */
const commentWrites = (jira: FakeJira) => ({
  created: jira.calls.filter((c) => c.method === 'POST' && /\/issue\/PAY-12\/comment$/.test(c.path)),
  edited: jira.calls.filter((c) => c.method === 'PUT' && /\/issue\/PAY-12\/comment\/[^/]+(\?.*)?$/.test(c.path)),
});

const jobCount = (t: TestApp) =>
  t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');

async function ask(body: string): Promise<string> {
  const res = await s.send(comment(body), { id: id() });
  expect(res.status).toBe(202);
  const texts = s.jira.commentTexts('PAY-12');
  expect(texts).toHaveLength(1);
  const writes = commentWrites(s.jira);
  expect(writes.created).toHaveLength(1);
  expect(writes.edited).toHaveLength(0);
  expect(await jobCount(s.t)).toBe(0);
  expect(texts[0]).not.toMatch(/queued as job/);
  return texts[0] as string;
}

describe('JIRA: commands that need no job get one comment with the answer', () => {
  it('"/void status": the queue of the tenant, at once, in one comment; no status job', async () => {
    const text = await ask('/void status');
    expect(text).toContain('no jobs in Acme Payments yet');
    // Nothing later edits that comment: no worker job exists to report progress.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(commentWrites(s.jira).edited).toHaveLength(0);
    const received = (await s.records('acme')).filter((r) => r.action === 'command.received');
    expect(received.map((r) => r.details?.command)).toEqual(['status']);
  });

  it('"/void status <job id>" of an unknown job says so in one comment', async () => {
    expect(await ask('/void status job-does-not-exist')).toContain('no job or request "job-does-not-exist"');
  });

  it('"/void help" and "/void whoami"', async () => {
    expect(await ask('/void help')).toContain('help <command>');
    s.jira.calls.length = 0;
    s.jira.issues.get('PAY-12')?.comments.splice(0);
    expect(await ask('/void whoami')).toContain('You are Alice Developer (member "alice")');
  });

  it('a usage error: the usage of the command, in one comment', async () => {
    expect(await ask('/void deploy')).toMatch(/deploy/i);
    const received = (await s.records('acme')).filter((r) => r.action === 'command.received');
    expect(received.map((r) => r.outcome)).toEqual(['failure']);
  });

  it('"/void policy explain …" with the approvals module: the dry run, in one comment', async () => {
    await s.t.stop();
    await s.start([approvalsModule()]);
    expect(await ask('/void policy explain deploy payments to production')).toMatch(/deploy/);
  });
});

describe('JIRA: an answer whose audit record cannot be written', () => {
  it('is not given and no job is queued; after the last retry the ticket is told that nothing was done', async () => {
    class FailingStore extends EmbeddedAuditStore {
      failing = false;
      override async insert(record: AuditRecord): Promise<boolean> {
        if (this.failing && record.tenantId === 'acme') throw new Error('store unreachable');
        return super.insert(record);
      }
    }
    const store = new FailingStore();
    const config = testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
    const t = await startTestApp({ config, modules: [jiraModule, recordingAgents([])], app: { auditStore: store } });
    try {
      store.failing = true;
      const res = await deliver(t.url, comment('/void status'), { id: id() });
      expect(res.status).toBe(202);
      await t.app.intake.settled();
      expect(s.jira.commentTexts('PAY-12')).toEqual([
        'The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
      ]);
      expect(commentWrites(s.jira).created).toHaveLength(1);
      expect(await jobCount(t)).toBe(0);
      store.failing = false;
      expect((await store.range('acme', 1, 100)).map((r) => r.action)).not.toContain('command.received');
    } finally {
      await t.stop();
    }
  });
});
