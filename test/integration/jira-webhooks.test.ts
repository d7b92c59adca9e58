// POST /jira/webhooks over real HTTP, signed like JIRA Cloud; JIRA's REST API is a stateful fake behind nock;
// Redis is real. Each automation rule fires on its event and only on it; bad signatures, unknown sites, redeliveries
// and Void's own comments do nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import type { VoidModule } from '../../bot/modules.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  ALICE_JIRA,
  BOB_JIRA,
  deliver,
  FakeJira,
  fixture,
  JIRA_ENV,
  JIRA_SECRET,
  JIRA_TENANTS,
  JIRA_TOKEN,
  STRANGER_JIRA,
  VOID_JIRA,
  jiraModule,
} from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';

let t: TestApp;
let jira: FakeJira;
let runs: JobData[];
let logLines: string[];

async function start(extra: VoidModule[] = []): Promise<void> {
  runs = [];
  const config = testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
  const { log, lines } = captureAppLogger(config);
  logLines = lines;
  t = await startTestApp({ config, modules: [jiraModule, recordingAgents(runs), ...extra], log });
}

beforeEach(async () => {
  jira = new FakeJira().install();
  jira.addIssue('PAY-12', { labels: ['void:triage'] });
  await start();
});

afterEach(async () => {
  await t.stop();
});

const id = () => `wh-${Math.random().toString(36).slice(2, 12)}`;

async function records(tenantId: string) {
  return t.app.audit.store.range(tenantId, 1, 1000);
}

describe('automation rule: label void:triage → triage', () => {
  it('fires on a created ticket with the label, as its creator, and the job reports in one comment on the ticket', async () => {
    const res = await deliver(t.url, fixture('issue_created'), { id: id() });
    expect(res.status).toBe(200);
    expect(res.body.fired).toEqual([{ rule: 'triage-on-label', duplicate: false }]);
    await jira.waitFor(
      () => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the triage result on PAY-12',
    );
    expect(runs.map((r) => [r.command, r.requester.memberId, r.requester.platform, r.thread.channel])).toEqual([
      [{ name: 'triage', ticket: 'PAY-12' }, 'alice', 'jira', 'PAY-12'],
    ]);
    // queued → started → done: one comment, updated in place through its hidden marker property
    const comments = jira.issues.get('PAY-12')?.comments ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.properties[0]?.key).toBe('void.marker');
    const auth = jira.calls[0]?.authorization ?? '';
    expect(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()).toBe(`void-bot@acme.example:${JIRA_TOKEN}`);
  });

  it('fires on the update that adds the label, and not on later edits of a labelled ticket', async () => {
    expect((await deliver(t.url, fixture('issue_updated_labels'), { id: id() })).body.fired).toEqual([
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
    expect((await deliver(t.url, edit, { id: id() })).body.fired).toEqual([]);
    const comment = fixture('issue_updated_labels', (p) => {
      p.issue_event_type_name = 'issue_commented';
      delete p.changelog;
    });
    expect((await deliver(t.url, comment, { id: id() })).body.fired).toEqual([]);
    await jira.waitFor(() => runs.length === 1, 'one triage run');
  });

  it('does not fire without the label, or in a project the tenant does not bind', async () => {
    const unlabelled = fixture('issue_created', (p) => void (p.issue.fields.labels = ['backend']));
    expect((await deliver(t.url, unlabelled, { id: id() })).body.fired).toEqual([]);
    const otherProject = fixture('issue_created', (p) => {
      p.issue.key = 'OPS-3';
      p.issue.fields.project.key = 'OPS';
    });
    expect((await deliver(t.url, otherProject, { id: id() })).body.ignored).toBe('project_not_bound');
    expect(jira.writes()).toEqual([]);
  });

  it('a redelivered webhook (same X-Atlassian-Webhook-Identifier) does nothing', async () => {
    const payload = fixture('issue_created');
    const delivery = id();
    await deliver(t.url, payload, { id: delivery });
    await jira.waitFor(
      () => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the first triage to finish',
    );
    const writes = jira.writes().length;
    const again = await deliver(t.url, payload, { id: delivery });
    expect(again.status).toBe(200);
    expect(again.body.fired).toEqual([{ rule: 'triage-on-label', duplicate: true }]);
    expect(runs).toHaveLength(1);
    expect(jira.writes()).toHaveLength(writes);
    expect((await records('acme')).filter((r) => r.action === 'job.queued')).toHaveLength(1);
  });
});

describe('automation rule: transition to In Progress with label void:implement → implement', () => {
  it("fires on the transition, as the person who moved the ticket, in the rule's repository", async () => {
    const res = await deliver(t.url, fixture('issue_updated_transition'), { id: id() });
    expect(res.body.fired).toEqual([{ rule: 'implement-in-progress', duplicate: false }]);
    await jira.waitFor(() => runs.length === 1, 'the implement run');
    expect(runs[0]?.command).toEqual({
      name: 'implement',
      ticket: 'PAY-12',
      repo: { owner: 'acme', name: 'payments' },
    });
    expect(runs[0]?.requester).toEqual({ memberId: 'bob', platform: 'jira', platformUserId: BOB_JIRA });
  });

  it('does not fire on the same transition without the label, on another transition, or when the label is added later', async () => {
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
      expect((await deliver(t.url, payload, { id: id() })).body.fired).toEqual([]);
    expect(jira.writes()).toEqual([]);
  });

  it('is dispatched as a normal implement command, so an approval gate holds it and the request appears on the ticket', async () => {
    await t.stop();
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
    await start([gate]);
    await deliver(t.url, fixture('issue_updated_transition'), { id: id() });
    const texts = jira.commentTexts('PAY-12');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('needs approval');
    expect(texts[0]).toContain('/void approve apr-1');
    expect(runs).toEqual([]);
  });
});

describe('authentication and tenancy', () => {
  it('a captured delivery resent under a new identifier is a replay, and a delivery older than the window is refused', async () => {
    const payload = fixture('issue_created');
    await deliver(t.url, payload, { id: id() });
    const replay = await deliver(t.url, payload, { id: id() });
    expect([replay.status, replay.body.ignored]).toEqual([200, 'replay']);
    const stale = await deliver(
      t.url,
      fixture('issue_created', (p) => void (p.timestamp = Date.now() - 5 * 24 * 3600 * 1000)),
      { id: id() },
    );
    expect([stale.status, stale.body.error]).toEqual([400, 'jira.stale_delivery']);
    await jira.waitFor(() => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')), 'the one triage');
    expect(runs).toHaveLength(1);
  });

  it('a /void comment written longer ago than VOID_MAX_COMMENT_AGE_SECONDS is refused, even in a fresh delivery', async () => {
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000 - 60_000).toISOString().replace('Z', '+0000');
    const res = await deliver(
      t.url,
      fixture('comment_created', (p) => {
        p.comment.body = '/void whoami';
        p.comment.created = p.comment.updated = old;
      }),
      { id: id() },
    );
    expect([res.status, res.body.error]).toEqual([400, 'jira.stale_comment']);
    expect(String(res.body.message)).toContain('VOID_MAX_COMMENT_AGE_SECONDS');
    expect(await t.app.audit.store.range('acme', 1, 100)).toEqual([]);
  });

  it('refuses a bad, missing or SHA-1 signature with 401, records it on the system trail, and does nothing', async () => {
    const payload = fixture('issue_created');
    const raw = JSON.stringify(payload);
    const wrong = await deliver(t.url, raw, { id: id(), secret: 'not-the-secret' });
    const missing = await deliver(t.url, raw, { id: id(), signature: '' });
    const sha1 = await deliver(t.url, raw, { id: id(), signature: 'sha1=0123456789abcdef0123456789abcdef01234567' });
    expect([wrong.status, missing.status, sha1.status]).toEqual([401, 401, 401]);
    expect(wrong.body.error).toBe('jira.bad_signature');
    await t.app.audit.security.flush(); // aggregated per source and minute: the first at once, the rest counted
    const system = (await records(SYSTEM_TENANT)).filter((r) => r.action === 'security.bad_signature');
    expect(system.map((r) => [r.details?.signature ?? r.details?.codes, r.details?.count])).toEqual([
      ['mismatch', 1],
      [{ missing: 1, mismatch: 1 }, 2],
    ]);
    expect(runs).toEqual([]);
    expect(jira.calls).toEqual([]);
    expect(await records('acme')).toEqual([]);
  });

  it('refuses a body naming any site but the one whose secret signed it (401, recorded), from issue.self or ?site=', async () => {
    const foreign = fixture(
      'issue_created',
      (p) => void (p.issue.self = 'https://initech.atlassian.net/rest/api/2/10012'),
    );
    const res = await deliver(t.url, foreign, { id: id() });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('jira.wrong_site');
    const viaQuery = () => fixture('issue_created', (p) => void delete p.issue.self);
    expect(
      (await deliver(t.url, viaQuery(), { id: id(), query: '?site=https%3A%2F%2Finitech.atlassian.net' })).status,
    ).toBe(401);
    expect(
      (
        await deliver(t.url, viaQuery(), {
          id: id(),
          query: `?site=${encodeURIComponent('https://ACME.atlassian.net/')}`,
        })
      ).body.fired,
    ).toHaveLength(1);
    expect((await deliver(t.url, viaQuery(), { id: id() })).body.fired).toHaveLength(1);
    expect((await records(SYSTEM_TENANT)).filter((r) => r.action === 'security.cross_tenant')).toHaveLength(2);
  });

  it("answers 400 to malformed JSON and to a payload not shaped like JIRA's, and 200 to events it does not handle", async () => {
    expect((await deliver(t.url, '{"webhookEvent": "jira:issue_created", ', { id: id() })).status).toBe(400);
    expect(
      (await deliver(t.url, { webhookEvent: 'jira:issue_created', issue: { key: 'not a key' } }, { id: id() })).status,
    ).toBe(400);
    expect(
      (await deliver(t.url, { webhookEvent: 'jira:issue_created', ['__proto__']: { polluted: true } }, { id: id() }))
        .status,
    ).toBe(400);
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect((await deliver(t.url, deep, { id: id() })).status).toBe(400);
    expect(
      (
        await deliver(
          t.url,
          `{"webhookEvent":"comment_created","comment":{"author":{"accountId":"${ALICE_JIRA}"},` +
            `"body":${'{"content":['.repeat(3000)}${']}'.repeat(3000)}},"issue":{"key":"PAY-12",` +
            `"self":"https://acme.atlassian.net/rest/api/2/10012"}}`,
          { id: id() },
        )
      ).body,
    ).toMatchObject({ error: 'jira.bad_json', message: expect.stringContaining('deeper than 64') });
    expect((await deliver(t.url, 'null', { id: id() })).status).toBe(400);
    const other = await deliver(t.url, { webhookEvent: 'project_created', project: { key: 'NEW' } }, { id: id() });
    expect([other.status, other.body.ignored]).toEqual([200, 'event']);
    expect(runs).toEqual([]);
  });

  it('never writes the webhook secret or the API token to the log', async () => {
    await deliver(t.url, fixture('issue_created'), { id: id() });
    await deliver(t.url, fixture('issue_created'), { id: id(), secret: 'wrong' });
    await jira.waitFor(() => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')), 'the triage result');
    const all = logLines.join('');
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain(JIRA_SECRET);
    expect(all).not.toContain(JIRA_TOKEN);
    expect(all).not.toContain(Buffer.from(`void-bot@acme.example:${JIRA_TOKEN}`).toString('base64'));
  });
});

describe('comment commands and loops', () => {
  it('runs "/void triage" from a comment as its author, filling in the ticket', async () => {
    const res = await deliver(t.url, fixture('comment_created'), { id: id() });
    expect(res.status).toBe(200);
    await jira.waitFor(() => runs.length === 1, 'the triage run');
    expect(runs[0]?.command).toEqual({ name: 'triage', ticket: 'PAY-12' });
    expect(runs[0]?.requester.platformUserId).toBe(ALICE_JIRA);
  });

  it('answers "/void whoami" with a comment, and a stranger with a polite refusal', async () => {
    await deliver(
      t.url,
      fixture('comment_created', (p) => void (p.comment.body = '/void whoami')),
      { id: id() },
    );
    await deliver(
      t.url,
      fixture('comment_created', (p) => {
        p.comment.body = '/void whoami';
        p.comment.author.accountId = STRANGER_JIRA;
      }),
      { id: id() },
    );
    const texts = jira.commentTexts('PAY-12');
    expect(texts[0]).toContain('You are Alice Developer (member "alice")');
    // A ticket comment is public: the refusal says what to do and names nobody.
    expect(texts[1]).toContain('Void did not act on this: your jira account is not linked to a member');
    expect(texts[1]).not.toMatch(/Erin|Acme Payments|admin of/);
  });

  it('ignores comments without a /void command', async () => {
    const res = await deliver(
      t.url,
      fixture('comment_created', (p) => void (p.comment.body = 'Looks good to me, will void the old card later')),
      { id: id() },
    );
    expect(res.body.ignored).toBe('no_command');
    expect(jira.calls).toEqual([]);
  });

  it('a Void-authored comment does not retrigger Void: by author account, and by its marker property', async () => {
    await deliver(t.url, fixture('comment_created'), { id: id() });
    await jira.waitFor(() => jira.commentTexts('PAY-12').some((c) => c.includes('triage done')), 'the triage result');
    const posted = jira.commentTexts('PAY-12')[0] ?? '';
    // JIRA's webhook for Void's own comment: the bot account, with Void's text
    const own = fixture('comment_created', (p) => {
      p.comment.author.accountId = VOID_JIRA;
      p.comment.body = `${posted}\n/void triage`;
    });
    expect((await deliver(t.url, own, { id: id() })).body.ignored).toBe('own_event');
    // Void's comment as JIRA announces it under an author Void does not know as its own (botAccountIds not set, or
    // another account): recognised by the `void.marker` property on the comment itself (no characters in its text)
    const stored = jira.issues.get('PAY-12')?.comments[0];
    expect(stored?.properties).toEqual([
      { key: 'void.marker', value: expect.objectContaining({ marker: expect.any(String) }) },
    ]);
    expect(posted).not.toMatch(/[\u200b-\u200f\u2060-\u2064\ufeff]/);
    const unknownAuthor = fixture('comment_created', (p) => {
      p.comment.id = stored?.id;
      p.comment.body = `${posted}\n/void triage`;
    });
    expect((await deliver(t.url, unknownAuthor, { id: id() })).body.ignored).toBe('own_comment');
    // Void's own edits (e.g. a transition or a label it sets) are not rule triggers either
    const ownUpdate = fixture('issue_updated_labels', (p) => void (p.user.accountId = VOID_JIRA));
    expect((await deliver(t.url, ownUpdate, { id: id() })).body.ignored).toBe('own_event');
    expect(runs).toHaveLength(1);
  });
});
