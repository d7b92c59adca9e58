// Answers that need no job (issue 17 item 2), in a pull request: `/void status`, `help`, `whoami`, `policy explain …`
// and a usage error, delivered as signed issue_comment webhooks, are answered with exactly ONE comment: no "queued as
// job" comment, no job, no comment edited afterwards; the command is still recorded (`command.received`). A command
// whose record cannot be written is not answered: after GitHub's retries the pull request is told nothing was done.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';
import { fakeGithubApi, type GithubApiRecorder } from '../helpers/github-api.js';
import { deliver, prComment } from '../helpers/github.js';
import { startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
  nock.cleanAll();
});

const jobCount = (t: GithubTestApp) =>
  t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');

/** Says `body` in acme/api#7 and returns the one comment Void wrote about it (asserting it is the only write). */
async function ask(t: GithubTestApp, api: GithubApiRecorder, body: string): Promise<string> {
  const sent = await deliver(t.url, 'issue_comment', prComment(body));
  expect(sent.status).toBe(202);
  await t.github.idle();
  const posted = api.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues/7/comments'));
  expect(posted).toHaveLength(1);
  expect(api.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
  expect(await jobCount(t)).toBe(0);
  const [text] = api.texts();
  expect(text).not.toMatch(/queued as job/);
  return text as string;
}

describe('GitHub: commands that need no job get one comment with the answer', () => {
  it('"/void status": the queue, at once, in one comment; no status job', async () => {
    const t = await startGithubApp();
    running.push(t);
    const api = fakeGithubApi();
    expect(await ask(t, api, '/void status')).toContain('no jobs in Acme Payments yet');
    const received = (await t.app.audit.store.range('acme', 1, 100)).filter((r) => r.action === 'command.received');
    expect(received.map((r) => r.details?.command)).toEqual(['status']);
  });

  it('"/void help", "/void whoami", a usage error and "/void policy explain …"', async () => {
    const t = await startGithubApp({ modules: [approvalsModule()] });
    running.push(t);
    const cases: Array<[string, RegExp]> = [
      ['/void help', /In this pull request you can say/],
      ['/void whoami', /You are Alice Developer \(member "alice"\)/],
      ['/void deploy', /deploy/i],
      ['/void policy explain deploy api to production', /deploy/],
    ];
    for (const [said, answer] of cases) {
      const api = fakeGithubApi();
      expect(await ask(t, api, said)).toMatch(answer);
      nock.cleanAll();
    }
  });
});

describe('GitHub: an answer whose audit record cannot be written', () => {
  it('is not given: nothing is queued, and after the retries the pull request is told nothing was done', async () => {
    class FailingStore extends EmbeddedAuditStore {
      override async insert(record: AuditRecord): Promise<boolean> {
        if (record.tenantId === 'acme') throw new Error('store unreachable');
        return super.insert(record);
      }
    }
    const t = await startGithubApp({ app: { auditStore: new FailingStore() } });
    running.push(t);
    const api = fakeGithubApi();
    expect((await deliver(t.url, 'issue_comment', prComment('/void status'))).status).toBe(202);
    await t.github.idle();
    expect(await jobCount(t)).toBe(0);
    const texts = api.texts();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('The audit trail cannot be written right now, so nothing was done.');
  });
});
