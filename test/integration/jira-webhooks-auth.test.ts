// POST /jira/webhooks over real HTTP, signed like JIRA Cloud, with Redis real: who may send what. A replayed or
// stale delivery, a bad signature and a body naming another site are refused (401, recorded); malformed payloads
// get 400; neither the webhook secret nor the API token reaches the log. The set-up is in helpers/jira-webhooks.ts.
import { describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { ALICE_JIRA, deliver, fixture, JIRA_SECRET, JIRA_TOKEN } from '../helpers/jira.js';
import { id, useJiraWebhookApp } from '../helpers/jira-webhooks.js';

const s = useJiraWebhookApp();

describe('authentication and tenancy', () => {
  it(
    'a captured delivery resent under a new identifier is a replay, ' +
      'and a delivery older than the window is refused',
    async () => {
      const payload = fixture('issue_created');
      await deliver(s.t.url, payload, { id: id() });
      const replay = await deliver(s.t.url, payload, { id: id() });
      expect([replay.status, replay.body.ignored]).toEqual([200, 'replay']);
      await s.t.app.audit.security.flush();
      const replays = (await s.records(SYSTEM_TENANT)).filter((r) => r.action === 'security.replay');
      expect(replays.map((r) => [r.actor.platform, r.target, r.details?.code])).toEqual([
        ['jira', 'POST /jira/webhooks', 'same_body_new_delivery'],
      ]);
      const stale = await deliver(
        s.t.url,
        fixture('issue_created', (p) => void (p.timestamp = Date.now() - 5 * 24 * 3600 * 1000)),
        { id: id() },
      );
      expect([stale.status, stale.body.error]).toEqual([400, 'jira.stale_delivery']);
      await s.jira.waitFor(
        () => s.jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
        'the one triage',
      );
      expect(s.runs).toHaveLength(1);
    },
  );

  it(
    'a /void comment written longer ago than VOID_MAX_COMMENT_AGE_SECONDS is refused, ' + 'even in a fresh delivery',
    async () => {
      const old = new Date(Date.now() - 3 * 24 * 3600 * 1000 - 60_000).toISOString().replace('Z', '+0000');
      const res = await deliver(
        s.t.url,
        fixture('comment_created', (p) => {
          p.comment.body = '/void whoami';
          p.comment.created = p.comment.updated = old;
        }),
        { id: id() },
      );
      expect([res.status, res.body.error]).toEqual([400, 'jira.stale_comment']);
      expect(String(res.body.message)).toContain('VOID_MAX_COMMENT_AGE_SECONDS');
      expect(await s.t.app.audit.store.range('acme', 1, 100)).toEqual([]);
    },
  );

  it(
    'refuses a bad, missing or SHA-1 signature with 401, ' + 'records it on the system trail, and does nothing',
    async () => {
      const payload = fixture('issue_created');
      const raw = JSON.stringify(payload);
      const wrong = await deliver(s.t.url, raw, { id: id(), secret: 'not-the-secret' });
      const missing = await deliver(s.t.url, raw, { id: id(), signature: '' });
      const sha1 = await deliver(s.t.url, raw, {
        id: id(),
        signature: 'sha1=0123456789abcdef0123456789abcdef01234567',
      });
      expect([wrong.status, missing.status, sha1.status]).toEqual([401, 401, 401]);
      expect(wrong.body.error).toBe('jira.bad_signature');
      await s.t.app.audit.security.flush(); // aggregated per source and minute: the first at once, the rest counted
      const system = (await s.records(SYSTEM_TENANT)).filter((r) => r.action === 'security.bad_signature');
      expect(system.map((r) => [r.details?.signature ?? r.details?.codes, r.details?.count])).toEqual([
        ['mismatch', 1],
        [{ missing: 1, mismatch: 1 }, 2],
      ]);
      expect(s.runs).toEqual([]);
      expect(s.jira.calls).toEqual([]);
      expect(await s.records('acme')).toEqual([]);
    },
  );

  it(
    'refuses a body naming any site but the one whose secret ' + 'signed it (401, recorded), from issue.self or ?site=',
    async () => {
      const foreign = fixture(
        'issue_created',
        (p) => void (p.issue.self = 'https://initech.atlassian.net/rest/api/2/10012'),
      );
      const res = await deliver(s.t.url, foreign, { id: id() });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('jira.wrong_site');
      const viaQuery = () => fixture('issue_created', (p) => void delete p.issue.self);
      expect(
        (await deliver(s.t.url, viaQuery(), { id: id(), query: '?site=https%3A%2F%2Finitech.atlassian.net' })).status,
      ).toBe(401);
      expect(
        (
          await s.send(viaQuery(), {
            id: id(),
            query: `?site=${encodeURIComponent('https://ACME.atlassian.net/')}`,
          })
        ).handled?.fired,
      ).toHaveLength(1);
      expect((await s.send(viaQuery(), { id: id() })).handled?.fired).toHaveLength(1);
      expect((await s.records(SYSTEM_TENANT)).filter((r) => r.action === 'security.cross_tenant')).toHaveLength(2);
    },
  );

  it(
    "answers 400 to malformed JSON and to a payload not shaped like JIRA's, " + 'and 200 to events it does not handle',
    async () => {
      expect((await deliver(s.t.url, '{"webhookEvent": "jira:issue_created", ', { id: id() })).status).toBe(400);
      expect(
        (await deliver(s.t.url, { webhookEvent: 'jira:issue_created', issue: { key: 'not a key' } }, { id: id() }))
          .status,
      ).toBe(400);
      expect(
        (
          await deliver(
            s.t.url,
            { webhookEvent: 'jira:issue_created', ['__proto__']: { polluted: true } },
            { id: id() },
          )
        ).status,
      ).toBe(400);
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      expect((await deliver(s.t.url, deep, { id: id() })).status).toBe(400);
      expect(
        (
          await deliver(
            s.t.url,
            `{"webhookEvent":"comment_created","comment":{"author":{"accountId":"${ALICE_JIRA}"},` +
              `"body":${'{"content":['.repeat(3000)}${']}'.repeat(3000)}},"issue":{"key":"PAY-12",` +
              `"self":"https://acme.atlassian.net/rest/api/2/10012"}}`,
            { id: id() },
          )
        ).body,
      ).toMatchObject({ error: 'jira.bad_json', message: expect.stringContaining('deeper than 64') });
      expect((await deliver(s.t.url, 'null', { id: id() })).status).toBe(400);
      const other = await deliver(s.t.url, { webhookEvent: 'project_created', project: { key: 'NEW' } }, { id: id() });
      expect([other.status, other.body.ignored]).toEqual([200, 'event']);
      expect(s.runs).toEqual([]);
    },
  );

  it('refuses a webhook identifier that is not a short token: 400, nothing queued or run', async () => {
    const payload = fixture('comment_created', (p) => void (p.comment.body = '/void triage'));
    for (const bad of ['x'.repeat(101), 'wh id with spaces', 'wh:{evil}']) {
      const res = await deliver(s.t.url, payload, { id: bad });
      expect([res.status, res.body.error]).toEqual([400, 'jira.bad_headers']);
    }
    expect(await s.t.app.intake.counts()).toEqual({ waiting: 0, active: 0, failed: 0 });
    expect(s.t.app.intake.stats.handled).toBe(0);
    expect(s.runs).toHaveLength(0);
  });

  it('never writes the webhook secret or the API token to the log', async () => {
    await deliver(s.t.url, fixture('issue_created'), { id: id() });
    await deliver(s.t.url, fixture('issue_created'), { id: id(), secret: 'wrong' });
    await s.jira.waitFor(
      () => s.jira.commentTexts('PAY-12').some((c) => c.includes('triage done')),
      'the triage result',
    );
    const all = s.logLines.join('');
    expect(s.logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain(JIRA_SECRET);
    expect(all).not.toContain(JIRA_TOKEN);
    expect(all).not.toContain(Buffer.from(`void-bot@acme.example:${JIRA_TOKEN}`).toString('base64'));
  });
});
