// An `implement` approval is bound to the ticket's text and the target repository: editing the ticket (a signed
// `jira:issue_updated` delivery) voids the pending request, an edit the webhook missed is caught before the job runs,
// and `implement <KEY>` without a repository is refused before any approval is asked for, unless the tenants file
// maps the project to a repository. Real approvals and JIRA modules; JIRA faked over HTTP (nock).
import { afterEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import { approvalsModule } from '../../approvals/module.js';
import { trackApps, testConfig } from '../helpers/app.js';
import {
  ALICE_JIRA,
  BOB_JIRA,
  FakeJira,
  fixture,
  JIRA_ENV,
  JIRA_SITE,
  VOID_JIRA,
  jiraModule,
} from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';
import { deliverHandled } from '../helpers/jira-webhooks.js';

const CAROL_JIRA = '5b10ac8d82e05b22cc7d4ef6';

const yaml = (repositories = '') => `
version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      jira: { siteUrl: ${JIRA_SITE}, projectKeys: [PAY] }
    members:
      - { id: alice, name: Alice Developer, roles: [developer], identities: { jira: ${ALICE_JIRA} } }
      - { id: bob, name: Bob Lead, roles: [developer, tech_lead], identities: { jira: ${BOB_JIRA} } }
      - { id: carol, name: Carol Lead, roles: [tech_lead], identities: { jira: ${CAROL_JIRA} } }
    policies:
      default: deny
      rules:
        - { name: implement-needs-lead, action: implement, quorum: 1 tech_lead }
${repositories}    automation:
      botAccountIds: ['${VOID_JIRA}']
      rules:
        - { name: implement-in-progress,
            trigger: { events: updated, labels: 'void:implement', transitionTo: In Progress },
            action: { type: implement, repo: acme/payments } }
`;

const { start } = trackApps(afterEach);

const comment = (author: string, body: string) =>
  fixture('comment_created', (p) => {
    p.comment.author.accountId = author;
    p.comment.body = body;
  });

/** A person edits the ticket's description in JIRA: the site changes, then the signed webhook arrives. */
const descriptionEdit = () =>
  fixture('issue_updated_labels', (p) => {
    p.changelog = {
      id: '10500',
      items: [
        {
          field: 'description',
          fieldtype: 'jira',
          from: null,
          fromString: 'Add retries',
          to: null,
          toString: 'Add retries and drop the audit log',
        },
      ],
    };
  });

async function requested(jira: FakeJira, runs: JobData[], env = yaml()) {
  const t = await start({
    config: testConfig({ yaml: env, env: JIRA_ENV }),
    modules: [approvalsModule(), jiraModule, recordingAgents(runs)],
  });
  await deliverHandled(t, fixture('issue_updated_transition'), { id: 'wh-transition' });
  const id = /\/void approve (\S+)/.exec(jira.commentTexts('PAY-12')[0] ?? '')?.[1] as string;
  expect(id).toMatch(/^ap-[0-9a-f]{16}$/);
  return { t, id };
}

describe('an implement approval is bound to the ticket', () => {
  it(
    'editing the ticket voids the pending request (issue_updated), ' + 'and approving afterwards runs nothing',
    async () => {
      const jira = new FakeJira().install();
      const issue = jira.addIssue('PAY-12', {
        labels: ['void:implement'],
        status: { name: 'In Progress' },
        description: 'Add retries',
      });
      const runs: JobData[] = [];
      const { t, id } = await requested(jira, runs);

      issue.fields.description = 'Add retries and drop the audit log';
      await deliverHandled(t, descriptionEdit(), { id: 'wh-edit' });
      expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('cancelled');
      expect(jira.commentTexts('PAY-12').join('\n')).toContain(
        `♻️ Request ${id} (implement PAY-12 in acme/payments) is void: ticket PAY-12 was edited`,
      );

      await deliverHandled(t, comment(CAROL_JIRA, `/void approve ${id}`), { id: 'wh-approve' });
      expect(jira.commentTexts('PAY-12').at(-1)).toContain(`Request ${id} was voided`);
      expect(runs).toEqual([]);
      expect(
        (await t.app.audit.store.range('acme', 1, 1000))
          .filter((r) => r.action === 'approval.voided')
          .map((r) => r.details),
      ).toEqual([{ approvalId: id }]);
    },
  );

  it('an edit that only touches other fields (labels) leaves the approval standing', async () => {
    const jira = new FakeJira().install();
    const issue = jira.addIssue('PAY-12', {
      labels: ['void:implement'],
      status: { name: 'In Progress' },
      description: 'Add retries',
    });
    const runs: JobData[] = [];
    const { t, id } = await requested(jira, runs);
    issue.fields.labels = ['void:implement', 'backend'];
    await deliverHandled(t, fixture('issue_updated_labels'), { id: 'wh-labels' });
    expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('pending');
  });

  it(
    'an edit the webhook never delivered is caught at the decision: ' + 'the request is void and nothing runs',
    async () => {
      const jira = new FakeJira().install();
      const issue = jira.addIssue('PAY-12', {
        labels: ['void:implement'],
        status: { name: 'In Progress' },
        description: 'Add retries',
      });
      const runs: JobData[] = [];
      const { t, id } = await requested(jira, runs);
      issue.fields.summary = 'Rewrite the payment ledger';
      await deliverHandled(t, comment(CAROL_JIRA, `/void approve ${id}`), { id: 'wh-approve' });
      expect(jira.commentTexts('PAY-12').at(-1)).toContain(`Request ${id} was voided because what it approved changed`);
      expect(runs).toEqual([]);
    },
  );
});

describe('implement without a repository', () => {
  it('is refused before any approval is requested, with the form that works', async () => {
    const jira = new FakeJira().install();
    jira.addIssue('PAY-12');
    const runs: JobData[] = [];
    const t = await start({
      config: testConfig({ yaml: yaml(), env: JIRA_ENV }),
      modules: [approvalsModule(), jiraModule, recordingAgents(runs)],
    });
    await deliverHandled(t, comment(ALICE_JIRA, '/void implement'), { id: 'wh-1' });
    expect(jira.commentTexts('PAY-12').at(-1)).toContain(
      'Nothing was requested: "implement PAY-12" does not say which repository to change, ' +
        'and Acme Payments maps no repository to project PAY. Say "implement PAY-12 in <owner>/<repo>"',
    );
    const trail = await t.app.audit.store.range('acme', 1, 1000);
    expect(trail.filter((r) => r.action === 'approval.requested')).toEqual([]);
    expect(trail.find((r) => r.action === 'request.rejected')?.details).toEqual({ code: 'implement.no_repo' });
    expect(runs).toEqual([]);
  });

  it('uses the repository the tenants file maps the project to, and shows it in the request', async () => {
    const jira = new FakeJira().install();
    jira.addIssue('PAY-12');
    const runs: JobData[] = [];
    const t = await start({
      config: testConfig({ yaml: yaml('      repositories: { PAY: acme/payments }\n'), env: JIRA_ENV }),
      modules: [approvalsModule(), jiraModule, recordingAgents(runs)],
    });
    await deliverHandled(t, comment(ALICE_JIRA, '/void implement'), { id: 'wh-1' });
    const card = jira.commentTexts('PAY-12').find((c) => c.includes('🔐 Approval')) ?? '';
    expect(card).toContain('implement PAY-12 in acme/payments');
    const id = /\/void approve (\S+)/.exec(card)?.[1] as string;
    await deliverHandled(t, comment(CAROL_JIRA, `/void approve ${id}`), { id: 'wh-2' });
    await jira.waitFor(() => runs.length === 1, 'the approved implement job');
    expect(runs[0]?.command).toEqual({
      name: 'implement',
      ticket: 'PAY-12',
      repo: { owner: 'acme', name: 'payments' },
    });
  });
});
