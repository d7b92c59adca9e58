// RELIABILITY.md "Separation of duties and tenancy" items 13, 14 and 18 across surfaces of one fully configured Void
// process (the other items are proven by module tests: see docs/abuse.md). Alice (acme) asks for a deploy in Slack;
// Gina (globex, an admin there) tries to decide it from Slack, GitHub, a Slack button and the audit HTTP API: she is
// told there is no such request, and nothing of acme's leaks. Then 50 parallel clicks by Carol count once; and every
// store read with globex's id returns nothing of acme's.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditTokenStore } from '../../audit/tokens.js';
import { authHeaders, PEPPER, post, startAbuseApp, type AbuseApp } from '../helpers/abuse.js';
import { prComment } from '../helpers/github.js';
import { ACME_TEAM, fixture, interactionForm, postSlack, slashForm, USERS } from '../helpers/slack.js';
import { cardClick } from '../helpers/teams.js';

const GLOBEX_TEAM = 'T0GLOBEX1';
const GINA = 'U0GINA001';
/** Words that would leak acme's request to globex. */
const ACME_WORDS = ['deploy payments', 'Alice', 'Acme', 'acme', 'C0DEPLOYS', 'staging'];

let a: AbuseApp;
let approvalId: string;

beforeAll(async () => {
  a = await startAbuseApp();
  a.intercept();
  const asked = await postSlack(a.url, { body: slashForm({ text: 'deploy payments to staging', user: USERS.alice }) });
  expect(asked.status).toBe(200);
  await a.quiet();
  const [pending] = (await a.app.provided('approvals')?.pendingFor('acme', 'carol')) ?? [];
  approvalId = pending?.id as string;
  expect(approvalId).toMatch(/\S/);
});
afterAll(async () => a?.stop());
beforeEach(() => a.intercept());

function click(team: string, user: string, id: string, at: number): string {
  const body = fixture('block-actions.json');
  const channel = team === ACME_TEAM ? 'C0DEPLOYS' : 'C0GLOBEX1';
  return interactionForm({
    ...body,
    team: { id: team, domain: team.toLowerCase() },
    user: { id: user, username: user, team_id: team },
    container: { type: 'message', message_ts: '1700000100.000200', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'deploys' },
    message: {
      type: 'message',
      bot_id: 'B0VOID0001',
      text: 'approval',
      ts: '1700000100.000200',
      thread_ts: '1700000100.000100',
    },
    actions: [
      {
        action_id: 'void_approve',
        block_id: 'decide',
        type: 'button',
        value: id,
        action_ts: `${1700000200 + at}.000001`,
      },
    ],
  });
}

const noSuchRequest = () => new RegExp(`There is no request \\\\*"${approvalId}\\\\*" in Globex Health\\.`);

function expectNoLeak(text: string): void {
  for (const word of ACME_WORDS) expect(text, `leaked "${word}"`).not.toContain(word);
}

async function stillPending(): Promise<void> {
  expect(await a.app.provided('approvals')?.get('acme', approvalId)).toMatchObject({ state: 'pending', decisions: [] });
}

describe("13: another tenant's request id is refused as if it did not exist", () => {
  it('Slack command `/void approve <acme id>` by a globex admin: "no such request", nothing leaked', async () => {
    const seen = a.slack.calls.length;
    const res = await postSlack(a.url, {
      body: slashForm({ text: `approve ${approvalId}`, user: GINA, team: GLOBEX_TEAM, channel: 'C0GLOBEX1' }).replace(
        encodeURIComponent('https://hooks.slack.com/commands/1234/5678'),
        encodeURIComponent(`${a.slack.url}/commands/1234/5678`),
      ),
    });
    expect(res.status).toBe(200);
    await a.quiet();
    const answer = `${res.text} ${JSON.stringify(a.slack.calls.slice(seen).map((c) => c.params))}`;
    expect(answer).toMatch(noSuchRequest());
    expectNoLeak(answer);
    await stillPending();
  });

  it('Slack Approve button with the acme id, clicked in the globex workspace: refused, nothing leaked', async () => {
    const seen = a.slack.calls.length;
    const res = await postSlack(a.url, { body: click(GLOBEX_TEAM, GINA, approvalId, 1) });
    expect(res.status).toBeLessThan(500);
    await a.quiet();
    const answer = `${res.text} ${JSON.stringify(a.slack.calls.slice(seen).map((c) => c.params))}`;
    expect(answer).toMatch(noSuchRequest());
    expectNoLeak(answer);
    await stillPending();
  });

  it(
    'GitHub comment `/void approve <acme id>` in a globex pull request: ' + '"no such request", nothing leaked',
    async () => {
      const seen = a.github.calls.length;
      const payload = prComment(`/void approve ${approvalId}`, { login: 'gina', installation: 2002 });
      payload.repository.full_name = 'globex/web';
      payload.repository.name = 'web';
      payload.repository.owner.login = 'globex';
      const body = JSON.stringify(payload);
      const res = await post(a, 'github', body, {
        ...(await authHeaders(a, 'github', body)),
        'x-github-event': 'issue_comment',
      });
      expect(res.status).toBeLessThan(300);
      await a.quiet();
      const answer = `${res.text} ${JSON.stringify(a.github.calls.slice(seen).map((c) => [c.path, c.body]))}`;
      expect(answer).toMatch(noSuchRequest());
      expectNoLeak(answer.replaceAll('/repos/acme/api', ''));
      await stillPending();
    },
  );

  it('Teams card click with the acme id from another Azure AD tenant: refused, nothing leaked', async () => {
    const seen = a.connector.calls.length;
    const activity = cardClick({
      serviceUrl: a.connector.url,
      aadObjectId: '00000000-0000-4000-8000-0000000f0e1e',
      verb: 'void.approve',
      approvalId,
      tenantId: '99999999-0000-4000-8000-0000000f0e1e',
    });
    const res = await post(a, 'teams', JSON.stringify(activity), await authHeaders(a, 'teams', ''));
    expect(res.status).toBeLessThan(500);
    await a.quiet();
    const answer = `${res.text} ${JSON.stringify(a.connector.calls.slice(seen).map((c) => c.body))}`;
    expect(answer).toContain('This workspace is not connected to Void.');
    expectNoLeak(answer);
    await stillPending();
  });

  it(
    'audit HTTP API: a globex token on acme answers exactly as for a tenant that does not exist; ' +
      "globex's own trail holds nothing of acme",
    async () => {
      const tokens = new AuditTokenStore(a.app.redis, a.prefix, PEPPER);
      const created = await tokens.create(a.app.registry, 'globex', 'gina');
      if (!created.ok) throw new Error(created.refusal.message);
      const get = (path: string) =>
        fetch(`${a.url}${path}`, { headers: { authorization: `Bearer ${created.value.token}` } });
      const acme = await get('/api/tenants/acme/audit');
      const none = await get('/api/tenants/nosuch/audit');
      expect(acme.status).toBe(404);
      expect(await acme.text()).toBe(await none.text());
      for (const path of ['/api/tenants/acme/audit/verify', '/api/tenants/acme/audit/export'])
        expect((await get(path)).status).toBe(404);
      const own = await get(`/api/tenants/globex/audit?target=${encodeURIComponent(approvalId)}`);
      expect(own.status).toBe(200);
      const text = await own.text();
      expect(text).not.toContain('deploy payments');
      expect(text).not.toContain('"tenantId":"acme"');
    },
  );
});

describe('14: 50 parallel clicks by one approver', () => {
  it('count once: one decision, one transition, one job', async () => {
    const clicks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postSlack(a.url, { body: click(ACME_TEAM, USERS.carol, approvalId, 100 + i) }),
      ),
    );
    for (const c of clicks) expect(c.status).toBeLessThan(500);
    await a.quiet();
    const card = await a.app.provided('approvals')?.get('acme', approvalId);
    expect(card).toMatchObject({ state: 'approved' });
    expect(card?.decisions).toHaveLength(1);
    const deploys = (await a.app.queue.recent('acme', 50)).filter((j) => j.kind === 'deploy');
    expect(deploys).toHaveLength(1);
    const trail = await a.app.audit.store.query('acme', {}, 0, 1000);
    expect(trail.filter((r) => r.action === 'approval.decided' && r.target === approvalId)).toHaveLength(1);
  });
});

describe("18: every store read with another tenant's id returns nothing", () => {
  it('approvals, audit trail and job queue', async () => {
    const approvals = a.app.provided('approvals');
    expect(await approvals?.get('globex', approvalId)).toBeUndefined();
    expect(JSON.stringify(await approvals?.pendingFor('globex', 'gina'))).not.toContain(approvalId);
    const store = a.app.audit.store;
    const globexRecords = [...(await store.query('globex', {}, 0, 1000)), ...(await store.range('globex', 1, 1000))];
    expect(globexRecords.filter((r) => r.tenantId !== 'globex')).toEqual([]);
    expect(JSON.stringify(globexRecords)).not.toContain('deploy payments');
    const acmeRecords = await store.query('acme', {}, 0, 1000);
    expect(acmeRecords.length).toBeGreaterThan(0);
    expect(acmeRecords.every((r) => r.tenantId === 'acme')).toBe(true);
    const [deploy] = (await a.app.queue.recent('acme', 50)).filter((j) => j.kind === 'deploy');
    expect(deploy).toBeDefined();
    expect(await a.app.queue.getForTenant('globex', deploy?.id as string)).toBeUndefined();
    expect(await a.app.queue.getForTenant('acme', deploy?.id as string)).toBeDefined();
    expect((await a.app.queue.recent('globex', 50)).map((j) => j.id)).not.toContain(deploy?.id);
  });
});
