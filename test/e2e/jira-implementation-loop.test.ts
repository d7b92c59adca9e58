// The whole loop, each side through its real endpoint: a JIRA transition (signed JIRA webhook) starts `implement`;
// the pull request's GitHub events (signed GitHub webhooks through the GitHub module) comment on the ticket and move
// it In Progress → In Review → Done, one comment per step; redeliveries and Void's own transitions change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import { createGithubModule } from '../../integrations/github/module.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { deliver as deliverGithub, example, FAST_TUNING, githubEnv, prEvent } from '../helpers/github.js';
import { FakeJira, fixture, JIRA_ENV, JIRA_TENANTS, VOID_JIRA, jiraModule } from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';
import { deliverHandled } from '../helpers/jira-webhooks.js';

let t: TestApp;
let jira: FakeJira;
let runs: JobData[];
let lines: string[];

beforeEach(async () => {
  jira = new FakeJira().install();
  jira.addIssue('PAY-12', { labels: ['void:implement'], status: { name: 'To Do' } });
  runs = [];
  const config = testConfig({ yaml: JIRA_TENANTS, env: { ...githubEnv(), ...JIRA_ENV } });
  const captured = captureAppLogger(config);
  lines = captured.lines;
  t = await startTestApp({
    config,
    modules: [createGithubModule({ tuning: FAST_TUNING }), jiraModule, recordingAgents(runs)],
    log: captured.log,
  });
});

afterEach(async () => {
  await t.stop();
});

/** A pull request of acme/payments that names PAY-12 in its title and branch. */
function pr(action: string, options: Parameters<typeof prEvent>[1] = {}): Record<string, unknown> {
  const p = prEvent(action, options);
  p.repository.name = 'payments';
  p.repository.full_name = 'acme/payments';
  p.pull_request.number = 7;
  p.pull_request.title = 'PAY-12: give up on a silent 3-D Secure challenge after 30 s';
  p.pull_request.head.ref = 'void/pay-12-3ds-timeout';
  p.pull_request.html_url = 'https://github.test/acme/payments/pull/7';
  return p;
}

function approvedReview(): Record<string, unknown> {
  const p = example('pull_request_review', 'submitted', (x) => Boolean(x.installation));
  p.installation = { id: 1001 };
  p.repository.name = 'payments';
  p.repository.owner.login = 'acme';
  p.repository.full_name = 'acme/payments';
  p.pull_request.number = 7;
  p.pull_request.title = 'PAY-12: give up on a silent 3-D Secure challenge after 30 s';
  p.pull_request.html_url = 'https://github.test/acme/payments/pull/7';
  p.review.state = 'approved';
  p.sender.login = 'bob';
  return p;
}

const transitionsTo = () =>
  jira.calls
    .filter((c) => c.method === 'POST' && c.path.endsWith('/transitions'))
    .map((c) => Number(c.body.transition.id));

describe('ticket → implement → pull request opened → approved → merged', () => {
  it(
    'moves the ticket through its transitions with one comment per step, ' + 'and redeliveries change nothing',
    async () => {
      // 1. Bob moves the labelled ticket to In Progress in JIRA (JIRA already shows it there when the webhook arrives).
      jira.issues.get('PAY-12')!.fields.status = { name: 'In Progress' };
      const started = await deliverHandled(t, fixture('issue_updated_transition'), { id: 'wh-transition-1' }, lines);
      expect(started.status).toBe(202);
      expect(started.handled?.fired).toEqual([{ rule: 'implement-in-progress', duplicate: false }]);
      await jira.waitFor(
        () => jira.commentTexts('PAY-12').some((c) => c.includes('implement done')),
        'the implement job to report',
      );
      expect(runs.map((r) => r.command)).toEqual([
        { name: 'implement', ticket: 'PAY-12', repo: { owner: 'acme', name: 'payments' } },
      ]);

      // 2. The draft pull request is opened on GitHub: the ticket goes to In Review, with a comment.
      const opened = await deliverGithub(t.url, 'pull_request', pr('opened', { author: 'void-bot' }));
      expect(opened.status).toBe(202);
      await jira.waitFor(
        () => jira.status('PAY-12') === 'In Review' && jira.commentTexts('PAY-12').length === 2,
        'In Review with its comment',
      );

      // GitHub redelivers the same event: nothing new on the ticket.
      const writes = jira.writes().length;
      await deliverGithub(t.url, 'pull_request', pr('opened', { author: 'void-bot' }), { id: opened.id });
      // Void's own transition comes back as a JIRA webhook by Void's account: ignored.
      const echo = fixture('issue_updated_transition', (p) => {
        p.user.accountId = VOID_JIRA;
        p.issue.fields.status.name = 'In Review';
        p.changelog.items[0].toString = 'In Review';
      });
      expect((await deliverHandled(t, echo, { id: 'wh-echo-1' }, lines)).handled?.ignored).toBe('own_event');

      // 3. Bob approves the pull request: a comment, no transition configured for this step.
      await deliverGithub(t.url, 'pull_request_review', approvedReview());
      await jira.waitFor(() => jira.commentTexts('PAY-12').length === 3, 'the approval comment');
      expect(jira.writes().length).toBe(writes + 1);

      // 4. Merged: Done, with a comment.
      await deliverGithub(t.url, 'pull_request', pr('closed', { merged: true, author: 'void-bot' }));
      await jira.waitFor(
        () => jira.status('PAY-12') === 'Done' && jira.commentTexts('PAY-12').length === 4,
        'Done with its comment',
      );

      const comments = jira.commentTexts('PAY-12');
      expect(comments[0]).toContain('implement done');
      expect(comments.slice(1).map((c) => c.replace(/^\W+/, ''))).toEqual([
        'Pull request acme/payments#7 was opened: https://github.test/acme/payments/pull/7 Status: In Review.',
        'Pull request acme/payments#7 was approved in review: https://github.test/acme/payments/pull/7',
        'Pull request acme/payments#7 was merged: https://github.test/acme/payments/pull/7 Status: Done.',
      ]);
      expect(transitionsTo()).toEqual([13, 14]); // the fake's ids for In Review and Done
      const audit = await t.app.audit.store.range('acme', 1, 1000);
      expect(audit.filter((r) => r.action === 'jira.ticket_updated').map((r) => r.details?.step)).toEqual([
        'opened',
        'review_approved',
        'merged',
      ]);
      expect(runs).toHaveLength(1);
    },
  );

  it("leaves tickets alone for pull requests that name no ticket of the tenant's projects", async () => {
    const unrelated = pr('opened');
    (unrelated.pull_request as Record<string, unknown>).title = 'Bump OPS-4 dependency pins';
    (unrelated.pull_request as { head: { ref: string } }).head.ref = 'deps/bump';
    (unrelated.pull_request as Record<string, unknown>).body = 'No ticket here.';
    const sent = await deliverGithub(t.url, 'pull_request', unrelated);
    expect(sent.status).toBe(202);
    // the GitHub module publishes in the background: a later event on PAY-12 proves the first was handled and ignored
    await deliverGithub(t.url, 'pull_request', pr('opened'));
    await jira.waitFor(() => jira.commentTexts('PAY-12').length === 1, 'the comment for the PR that names PAY-12');
    expect(jira.writes().every((c) => c.path.includes('PAY-12'))).toBe(true);
  });
});
