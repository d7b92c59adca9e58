// JIRA with the real approvals and agents modules: an implement rule held by policy is approved from a JIRA comment
// by another tech lead (never by the requester), and a triage rule runs the agents' triage job, which reads the
// ticket and its open neighbours and comments through the JIRA TicketPort.
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
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

const YAML = `
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
        - { name: triage-free, action: triage, quorum: none }
        - { name: implement-needs-lead, action: implement, quorum: 1 tech_lead }
    automation:
      botAccountIds: ['${VOID_JIRA}']
      rules:
        - { name: triage-on-label, trigger: { labels: 'void:triage' }, action: { type: triage } }
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

describe('implement held by policy', () => {
  it(
    'posts the approval request on the ticket; ' +
      'the requester cannot approve it, another tech lead can, and then it runs',
    async () => {
      const jira = new FakeJira().install();
      jira.addIssue('PAY-12', { labels: ['void:implement'], status: { name: 'In Progress' } });
      const runs: JobData[] = [];
      const t = await start({
        config: testConfig({ yaml: YAML, env: JIRA_ENV }),
        modules: [approvalsModule(), jiraModule, recordingAgents(runs)],
      });

      await deliverHandled(t, fixture('issue_updated_transition'), { id: 'wh-1' });
      const card = jira.commentTexts('PAY-12')[0] ?? '';
      const id = /\/void approve (\S+)/.exec(card)?.[1];
      expect(id, card).toMatch(/^ap-/);
      expect(runs).toEqual([]);

      await deliverHandled(t, comment(BOB_JIRA, `/void approve ${id}`), { id: 'wh-2' });
      expect(jira.commentTexts('PAY-12').at(-1)).toContain('so you cannot approve it');
      expect(runs).toEqual([]);

      // on the ticket, "/void approve" needs no id: the one pending request about this ticket
      await deliverHandled(t, comment(CAROL_JIRA, '/void approve'), { id: 'wh-3' });
      await jira.waitFor(() => runs.length === 1, 'the approved implement job');
      expect(runs[0]).toMatchObject({
        kind: 'implement',
        approvalId: id,
        requester: { memberId: 'bob', platform: 'jira' },
        thread: { channel: 'PAY-12' },
      });
      // the request's comment is updated in place (its key is the marker), not posted again
      await jira.waitFor(() => jira.commentTexts('PAY-12')[0] !== card, 'the approval comment to show the decision');
      expect(jira.commentTexts('PAY-12')[0]).toContain('✅ approved by Carol Lead');
      expect(jira.commentTexts('PAY-12').filter((c) => c.includes('🔐 Approval'))).toHaveLength(1);
    },
  );
});

describe('triage through the agents module', () => {
  it('comments a triage with a likely duplicate among the open tickets, through the JIRA TicketPort', async () => {
    const jira = new FakeJira().install();
    jira.addIssue('PAY-9', { summary: 'Card payments fail when the 3-D Secure challenge times out on mobile' });
    jira.addIssue('PAY-10', { summary: 'Add Apple Pay to the checkout' });
    jira.addIssue('PAY-12', {
      summary: 'Card payments fail when the 3-D Secure challenge times out',
      labels: ['void:triage'],
    });
    const t = await start({
      config: testConfig({ yaml: YAML, env: JIRA_ENV }),
      modules: [approvalsModule(), jiraModule, createAgentsModule()],
    });

    const res = await deliverHandled(t, fixture('issue_created'), { id: 'wh-triage-1' });
    expect(res.status).toBe(202);
    await jira.waitFor(
      () => jira.commentTexts('PAY-12').some((c) => c.includes('Void triage:')),
      'the triage comment',
      15_000,
    );
    await jira.waitFor(
      () => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the job to finish',
      15_000,
    );
    const triage = jira.commentTexts('PAY-12').find((c) => c.includes('Void triage:')) ?? '';
    expect(triage).toContain('Possibly related: PAY-9');
    expect(triage).not.toContain('PAY-10');
    // one job comment (updated in place) and one triage comment
    expect(jira.commentTexts('PAY-12')).toHaveLength(2);
    // the tenant does not allow Void to set labels (automation.triage.setLabels is off by default)
    expect(jira.issues.get('PAY-12')?.fields.labels).toEqual(['void:triage']);
    expect(jira.writes().filter((c) => c.method === 'PUT' && c.path === '/rest/api/3/issue/PAY-12')).toEqual([]);
  });
});
