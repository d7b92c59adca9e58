// `jira create` and `jira show` from chat (the console surface, through the real dispatcher), and the TicketPort the
// agents use, against the JIRA fake behind nock: requests JIRA receives, replies people read, audit records written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketPort } from '../../bot/core/ticket.port.js';
import { JiraTicketClient } from '../../integrations/jira/client.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { adfText, FakeJira, JIRA_ENV, JIRA_TENANTS, JIRA_TOKEN, jiraModule } from '../helpers/jira.js';

let t: TestApp;
let jira: FakeJira;
let logLines: string[];
let n = 0;

beforeEach(async () => {
  jira = new FakeJira().install();
  jira.addIssue('PAY-12', {
    summary: 'Card payments fail when 3-D Secure times out',
    status: { name: 'In Progress' },
    issuetype: { name: 'Bug' },
    labels: ['checkout'],
    assignee: { displayName: 'Bob Lead' },
  });
  const config = testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
  const { log, lines } = captureAppLogger(config);
  logLines = lines;
  t = await startTestApp({ config, modules: [jiraModule], log });
});

afterEach(async () => {
  await t.stop();
});

async function say(text: string, as = 'alice', tenant = 'acme') {
  n += 1;
  const result = await t.app.dispatcher.dispatch({
    platform: 'console',
    workspaceId: tenant,
    platformUserId: as,
    text,
    thread: { platform: 'console', channel: 'session-1' },
    deliveryId: `cmd-${Date.now()}-${n}`,
  });
  return result.replies;
}

describe('jira create', () => {
  it('creates the ticket through the JIRA REST API and replies with its link', async () => {
    const replies = await say('jira create pay "Refunds page shows the wrong currency" Bug High');
    expect(replies.map((r) => [r.kind, r.text])).toEqual([
      ['answer', 'Created PAY-100 (Bug, High): https://acme.atlassian.net/browse/PAY-100'],
    ]);
    const create = jira.calls.find((c) => c.method === 'POST' && c.path === '/rest/api/3/issue');
    expect(create?.body.fields).toMatchObject({
      project: { key: 'PAY' },
      summary: 'Refunds page shows the wrong currency',
      issuetype: { name: 'Bug' },
      priority: { name: 'High' },
    });
    expect(adfText(create?.body.fields.description)).toContain('Created from console by Alice Developer through Void.');
    // The ticket reads exactly as written: Void's mark is an issue property, not invisible characters in the text.
    const made = jira.issues.get('PAY-100');
    expect(adfText(made?.fields.description)).toMatch(/^Created from console/);
    expect(JSON.stringify(made?.fields)).not.toMatch(/[\u200b-\u200f\u2060-\u2064\ufeff]/);
    expect(made?.properties).toEqual([{ key: 'void.created', value: { by: 'void' } }]);
    const audit = await t.app.audit.store.range('acme', 1, 100);
    expect(audit.filter((r) => r.action.startsWith('jira.')).map((r) => [r.action, r.target, r.outcome])).toEqual([
      ['jira.ticket_create_requested', 'PAY', 'pending'],
      ['jira.ticket_created', 'PAY-100', 'success'],
    ]);
    // the summary a person typed stays out of the audit trail
    expect(JSON.stringify(audit)).not.toContain('wrong currency');
  });

  it('defaults the type to Task and accepts curly quotes (as Slack sends them)', async () => {
    const replies = await say('jira create PAY \u201cExport the ledger as CSV\u201d');
    expect(replies[0]?.text).toBe('Created PAY-100 (Task): https://acme.atlassian.net/browse/PAY-100');
    expect(jira.issues.get('PAY-100')?.fields.summary).toBe('Export the ledger as CSV');
  });

  it("refuses projects outside the tenant, shows JIRA's own validation message, and explains the usage", async () => {
    expect((await say('jira create OPS "Rotate keys"'))[0]).toMatchObject({
      kind: 'refusal',
      text: expect.stringContaining("OPS is not one of Acme Payments's JIRA projects"),
    });
    const invalid = await say('jira create PAY "Rotate keys" Task Urgent');
    expect(invalid[0]).toMatchObject({
      kind: 'refusal',
      text: expect.stringContaining(
        'JIRA could not create a ticket in PAY (HTTP 400: priority: Specify the Priority (name) in the string format)',
      ),
    });
    const usage = await say('jira create PAY Rotate keys');
    expect(usage[0]).toMatchObject({ kind: 'usage', text: expect.stringContaining('Put the summary in quotes') });
    const audit = await t.app.audit.store.range('acme', 1, 100);
    expect(audit.filter((r) => r.action === 'jira.ticket_created').map((r) => r.outcome)).toEqual(['failure']);
    expect(logLines.join('')).not.toContain(JIRA_TOKEN);
  });

  it('refuses a tenant whose JIRA site has no credentials', async () => {
    const replies = await say('jira create GLX "Anything"', 'gina', 'globex');
    expect(replies[0]).toMatchObject({
      kind: 'refusal',
      text: 'Globex Health has no JIRA site with credentials configured in this deployment.',
    });
    expect(jira.calls).toEqual([]);
  });
});

describe('jira show', () => {
  it('shows the ticket with its status, type, priority, assignee, labels and link', async () => {
    const replies = await say('jira show pay-12');
    expect(replies[0]?.text).toBe(
      'PAY-12: Card payments fail when 3-D Secure times out\nBug · In Progress · priority Medium · assigned to ' +
        'Bob Lead\nLabels: checkout\nhttps://acme.atlassian.net/browse/PAY-12',
    );
  });

  it('says plainly when the ticket does not exist, without leaking credentials', async () => {
    const replies = await say('jira show PAY-404');
    expect(replies[0]).toMatchObject({
      kind: 'refusal',
      text: 'JIRA could not read PAY-404 (HTTP 404: Issue does not exist or you do not have permission to see it.).',
    });
    expect(JSON.stringify(replies)).not.toContain(JIRA_TOKEN);
  });
});

describe('TicketPort for the agents', () => {
  it(
    'is provided as the tickets port and upserts a marked comment, ' + 'searches open tickets, labels and transitions',
    async () => {
      const tickets = t.app.provided('tickets') as TicketPort;
      expect(tickets).toBeDefined();
      jira.addIssue('PAY-13', { status: { name: 'Done' } });
      jira.addIssue('PAY-14', { summary: 'Newest open ticket' });
      const first = await tickets.upsertComment('acme', 'PAY-12', 'Suggested type: Bug', 'triage:PAY-12');
      const second = await tickets.upsertComment(
        'acme',
        'PAY-12',
        'Suggested type: Bug (priority High)',
        'triage:PAY-12',
      );
      expect(second.url).toBe(first.url);
      expect(jira.commentTexts('PAY-12')).toHaveLength(1);
      expect(jira.commentTexts('PAY-12')[0]).toContain('Suggested type: Bug (priority High)');
      expect((await tickets.searchOpen('acme', 'PAY', 10)).map((i) => i.key)).toEqual(['PAY-14', 'PAY-12']);
      await tickets.addLabels('acme', 'PAY-12', ['needs-info']); // the tenant allows it: triage.setLabels
      expect(jira.issues.get('PAY-12')?.fields.labels).toEqual(['checkout', 'needs-info']);
      expect(await tickets.transition('acme', 'PAY-12', 'in review')).toBe(true);
      expect(jira.status('PAY-12')).toBe('In Review');
      expect(await tickets.transition('acme', 'PAY-12', 'In Review')).toBe(true);
      expect(await tickets.transition('acme', 'PAY-12', 'Blocked')).toBe(false);
      expect(jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions'))).toHaveLength(1);
    },
  );

  it('two processes upserting the same marked comment at the same moment leave one comment', async () => {
    const client = () =>
      new JiraTicketClient({
        registry: t.app.registry,
        credentials: () => ({ email: 'void-bot@acme.example', apiToken: JIRA_TOKEN }),
        redis: t.app.redis,
        prefix: t.prefix,
      });
    const [a, b] = [client(), client()];
    await Promise.all([
      a.upsertComment('acme', 'PAY-12', '▶️ triage started', 'reply:job:triage-1'),
      b.upsertComment('acme', 'PAY-12', '🔄 triage: reading the ticket', 'reply:job:triage-1'),
      a.upsertComment('acme', 'PAY-12', 'another job', 'reply:job:triage-2'),
    ]);
    expect(jira.commentTexts('PAY-12')).toHaveLength(2);
  });
});

describe('pull request listener (called the way the GitHub module publishes events)', () => {
  const event = (action: 'closed' | 'merged', deliveryId: string) => ({
    tenantId: 'acme',
    action,
    deliveryId,
    pr: {
      repo: { owner: 'acme', name: 'payments' },
      number: 8,
      title: 'PAY-12 and PAY-13: retry budget',
      body: 'Also touches OPS-1.',
      headRef: 'fix/pay-12',
      headSha: 'c'.repeat(40),
      url: 'https://github.test/acme/payments/pull/8',
      author: 'alice',
      draft: false,
    },
  });

  it(
    'comments on every ticket the pull request names, ' + 'skips a transition already done, and ignores a redelivery',
    async () => {
      jira.addIssue('PAY-13', { status: { name: 'Done' } });
      const [listener] = t.app.provided('pullRequestListeners') ?? [];
      expect(listener).toBeDefined();
      await listener!(event('merged', 'gh-1'));
      await listener!(event('merged', 'gh-1'));
      await listener!(event('closed', 'gh-2'));
      expect(jira.status('PAY-12')).toBe('Done');
      expect(
        jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions')).map((c) => c.path),
      ).toEqual(['/rest/api/3/issue/PAY-12/transitions']);
      for (const key of ['PAY-12', 'PAY-13']) {
        expect(jira.commentTexts(key).map((c) => c.replace(/^\W+/, ''))).toEqual([
          'Pull request acme/payments#8 was merged: https://github.test/acme/payments/pull/8 Status: Done.',
          'Pull request acme/payments#8 was closed without merging: https://github.test/acme/payments/pull/8',
        ]);
      }
      expect(jira.calls.some((c) => c.path.includes('OPS-1'))).toBe(false);
    },
  );
});
