// POST /jira/webhooks over real HTTP, signed like JIRA Cloud; JIRA's REST API is a stateful fake behind nock;
// Redis is real. Each automation rule fires on its event and only on it. Authentication: jira-webhooks-auth.test.ts;
// comment commands: jira-comments.test.ts; the shared set-up: helpers/jira-webhooks.ts.
import { describe, expect, it } from 'vitest';
import type { VoidModule } from '../../bot/modules.js';
import { BOB_JIRA, deliver, fixture, JIRA_TOKEN } from '../helpers/jira.js';
import { id, useJiraWebhookApp } from '../helpers/jira-webhooks.js';

const s = useJiraWebhookApp();

describe('automation rule: label void:triage → triage', () => {
  it(
    'fires on a created ticket with the label, as its creator, ' + 'and the job reports in one comment on the ticket',
    async () => {
      const res = await s.send(fixture('issue_created'), { id: id() });
      expect([res.status, res.body]).toEqual([202, { ok: true, queued: true }]);
      expect(res.handled?.fired).toEqual([{ rule: 'triage-on-label', duplicate: false }]);
      await s.jira.waitFor(
        () => s.jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
        'the triage result on PAY-12',
      );
      expect(s.runs.map((r) => [r.command, r.requester.memberId, r.requester.platform, r.thread.channel])).toEqual([
        [{ name: 'triage', ticket: 'PAY-12' }, 'alice', 'jira', 'PAY-12'],
      ]);
      // queued → started → done: one comment, updated in place through its hidden marker property
      const comments = s.jira.issues.get('PAY-12')?.comments ?? [];
      expect(comments).toHaveLength(1);
      expect(comments[0]?.properties[0]?.key).toBe('void.marker');
      const auth = s.jira.calls[0]?.authorization ?? '';
      expect(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()).toBe(`void-bot@acme.example:${JIRA_TOKEN}`);
    },
  );

  it('fires on the update that adds the label, and not on later edits of a labelled ticket', async () => {
    expect((await s.send(fixture('issue_updated_labels'), { id: id() })).handled?.fired).toEqual([
      { rule: 'triage-on-label', duplicate: false },
    ]);
    const edit = fixture('issue_updated_labels', (p) => {
      p.changelog.items = [
        {
          field: 'summary',
          fieldtype: 'jira',
          fieldId: 'summary',
          from: null,
          fromString: 'old',
          to: null,
          toString: 'new',
        },
      ];
    });
    expect((await s.send(edit, { id: id() })).handled?.fired).toEqual([]);
    const comment = fixture('issue_updated_labels', (p) => {
      p.issue_event_type_name = 'issue_commented';
      delete p.changelog;
    });
    expect((await s.send(comment, { id: id() })).handled?.fired).toEqual([]);
    await s.jira.waitFor(() => s.runs.length === 1, 'one triage run');
  });

  it('does not fire without the label, or in a project the tenant does not bind', async () => {
    const unlabelled = fixture('issue_created', (p) => void (p.issue.fields.labels = ['backend']));
    expect((await s.send(unlabelled, { id: id() })).handled?.fired).toEqual([]);
    const otherProject = fixture('issue_created', (p) => {
      p.issue.key = 'OPS-3';
      p.issue.fields.project.key = 'OPS';
    });
    expect((await s.send(otherProject, { id: id() })).handled?.ignored).toBe('project_not_bound');
    expect(s.jira.writes()).toEqual([]);
  });

  it('a redelivered webhook (same X-Atlassian-Webhook-Identifier) does nothing', async () => {
    const payload = fixture('issue_created');
    const delivery = id();
    await deliver(s.t.url, payload, { id: delivery });
    await s.jira.waitFor(
      () => s.jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the first triage to finish',
    );
    const writes = s.jira.writes().length;
    const again = await s.send(payload, { id: delivery });
    expect([again.status, again.body]).toEqual([200, { ok: true, duplicate: true }]);
    expect(s.runs).toHaveLength(1);
    expect(s.jira.writes()).toHaveLength(writes);
    expect((await s.records('acme')).filter((r) => r.action === 'job.queued')).toHaveLength(1);
  });
});

describe('automation rule: transition to In Progress with label void:implement → implement', () => {
  it("fires on the transition, as the person who moved the ticket, in the rule's repository", async () => {
    const res = await s.send(fixture('issue_updated_transition'), { id: id() });
    expect(res.handled?.fired).toEqual([{ rule: 'implement-in-progress', duplicate: false }]);
    await s.jira.waitFor(() => s.runs.length === 1, 'the implement run');
    expect(s.runs[0]?.command).toEqual({
      name: 'implement',
      ticket: 'PAY-12',
      repo: { owner: 'acme', name: 'payments' },
    });
    expect(s.runs[0]?.requester).toEqual({ memberId: 'bob', platform: 'jira', platformUserId: BOB_JIRA });
  });

  it(
    'does not fire on the same transition without the label, ' +
      'on another transition, or when the label is added later',
    async () => {
      const noLabel = fixture('issue_updated_transition', (p) => void (p.issue.fields.labels = []));
      const toReview = fixture('issue_updated_transition', (p) => {
        p.issue.fields.status.name = 'In Review';
        p.changelog.items[0].fromString = 'In Progress';
        p.changelog.items[0].toString = 'In Review';
      });
      const labelLater = fixture('issue_updated_transition', (p) => {
        p.changelog.items = [
          {
            field: 'labels',
            fieldtype: 'jira',
            fieldId: 'labels',
            from: null,
            fromString: '',
            to: null,
            toString: 'void:implement',
          },
        ];
      });
      for (const payload of [noLabel, toReview, labelLater])
        expect((await s.send(payload, { id: id() })).handled?.fired).toEqual([]);
      expect(s.jira.writes()).toEqual([]);
    },
  );

  it(
    'is dispatched as a normal implement command, ' +
      'so an approval gate holds it and the request appears on the ticket',
    async () => {
      await s.t.stop();
      const gate: VoidModule = {
        name: 'test-gate',
        async setup() {
          return {
            gate: {
              gate: async (request) =>
                request.kind === 'implement'
                  ? {
                      decision: 'hold' as const,
                      replies: [
                        {
                          text:
                            `🔐 ${request.command.name} ${'ticket' in request.command ? request.command.ticket : ''} ` +
                            `needs approval from a tech_lead`,
                          kind: 'approval' as const,
                          key: 'approval:apr-1',
                          approval: {
                            id: 'apr-1',
                            tenantId: 'acme',
                            state: 'pending' as const,
                            requester: { memberId: 'bob', name: 'Bob Lead' },
                            summary: 'implement PAY-12 in acme/payments',
                            rule: 'implement',
                            remaining: '1 more approval from tech_lead',
                            decisions: [],
                            expiresAt: '2026-11-26T10:00:00Z',
                            eligibleApprovers: [],
                          },
                        },
                      ],
                    }
                  : { decision: 'run' as const },
            },
          };
        },
      };
      await s.start([gate]);
      await s.send(fixture('issue_updated_transition'), { id: id() });
      const texts = s.jira.commentTexts('PAY-12');
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain('needs approval');
      expect(texts[0]).toContain('/void approve apr-1');
      expect(s.runs).toEqual([]);
    },
  );
});
