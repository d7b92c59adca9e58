// One inbound pipeline for every platform (bot/http/inbound.ts), as real signed HTTP requests into the real
// endpoints: Slack events, slash commands and interactions, Teams /api/messages, GitHub and JIRA webhooks. Per rule,
// on every endpoint: an authentication/signature/delivery header sent twice is refused (401, with the header named);
// a `__proto__` key is refused (400); nesting deeper than 64 levels is refused (400).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { prComment, signGitHub } from '../helpers/github.js';
import { startGithubApp, type GithubTestApp } from '../helpers/github-app.js';
import { nested, postRaw } from '../helpers/inbound.js';
import { ALICE_JIRA, FakeJira, JIRA_ENV, JIRA_SECRET, JIRA_TENANTS, signJira, jiraModule } from '../helpers/jira.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import {
  ACME_TEAM,
  SIGNING_SECRET,
  USERS,
  fixture,
  interactionForm,
  nowSeconds,
  signSlack,
  slashForm,
} from '../helpers/slack.js';
import {
  fixture as teamsFixture,
  interceptLogin,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';

const DEEP = nested(70);
/** `{"__proto__":…,` put first into a JSON object's text (JSON.stringify would drop an inherited one). */
const withProto = (json: string): string => `{"__proto__":{"polluted":true},${json.slice(1)}`;
/** A JSON object's text with one more member nested 70 levels deep. */
const withDeep = (json: string): string => `${json.slice(0, -1)},"deep":${DEEP}}`;

async function expectRefused(
  response: Promise<{ status: number; body: Record<string, unknown> }>,
  status: number,
  error: string,
  says: string,
): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  expect(res.body.error).toBe(error);
  expect(String(res.body.message)).toContain(says);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('Slack /slack/events', () => {
  let t: SlackTestApp;
  beforeAll(async () => {
    t = await startSlackApp();
  });
  afterAll(async () => {
    await t.stop();
  });

  const FORM = 'application/x-www-form-urlencoded';
  const post = (body: string, contentType: string, extra: Record<string, string | string[]> = {}) =>
    postRaw(
      t.url,
      '/slack/events',
      { 'content-type': contentType, ...signSlack(body, SIGNING_SECRET, nowSeconds()), ...extra },
      body,
    );
  const event = () => {
    const body = fixture('app-mention.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    body.team_id = ACME_TEAM;
    body.event = { ...body.event, user: USERS.alice, text: '<@U0VOID0001> help', channel: 'C0DEPLOYS' };
    return JSON.stringify(body);
  };
  const click = () => JSON.stringify({ ...(fixture('block-actions.json') as Record<string, unknown>) });
  const twice = (body: string) => {
    const ts = nowSeconds();
    const sig = signSlack(body, SIGNING_SECRET, ts)['x-slack-signature'] as string;
    return { 'x-slack-signature': [sig, sig], 'x-slack-request-timestamp': String(ts) };
  };

  it.each([
    ['an event', () => event(), 'application/json'],
    ['a slash command', () => slashForm({ text: 'help' }), FORM],
    ['an interaction', () => interactionForm(JSON.parse(click()) as Record<string, unknown>), FORM],
  ])(
    '%s with X-Slack-Signature sent twice (both valid): 401, the header named, recorded',
    async (_name, body, type) => {
      const raw = body();
      await expectRefused(
        postRaw(t.url, '/slack/events', { 'content-type': type, ...twice(raw) }, raw),
        401,
        'slack.repeated_header',
        'x-slack-signature header was sent more than once',
      );
      const trail = await t.app.audit.store.range(SYSTEM_TENANT, 1, 100);
      expect(trail.some((r) => r.action === 'security.bad_signature')).toBe(true);
    },
  );

  it('a repeated X-Slack-Request-Timestamp is refused too', async () => {
    const raw = slashForm({ text: 'help' });
    const ts = String(nowSeconds());
    const sig = signSlack(raw, SIGNING_SECRET, ts)['x-slack-signature'] as string;
    await expectRefused(
      postRaw(
        t.url,
        '/slack/events',
        { 'content-type': FORM, 'x-slack-signature': sig, 'x-slack-request-timestamp': [ts, ts] },
        raw,
      ),
      401,
      'slack.repeated_header',
      'x-slack-request-timestamp',
    );
  });

  it('a __proto__ key in an event, a slash command or an interaction payload: 400', async () => {
    await expectRefused(post(withProto(event()), 'application/json'), 400, 'slack.bad_body', '__proto__');
    await expectRefused(post(`__proto__=x&${slashForm({ text: 'help' })}`, FORM), 400, 'slack.bad_body', '__proto__');
    await expectRefused(
      post(`payload=${encodeURIComponent(withProto(click()))}`, FORM),
      400,
      'slack.bad_body',
      '__proto__',
    );
  });

  it(
    'nesting deeper than 64 levels in an event or an interaction payload: ' + '400 (a slash command is a flat form)',
    async () => {
      await expectRefused(post(withDeep(event()), 'application/json'), 400, 'slack.bad_body', 'deeper than 64');
      await expectRefused(
        post(`payload=${encodeURIComponent(withDeep(click()))}`, FORM),
        400,
        'slack.bad_body',
        'deeper than 64',
      );
    },
  );
});

describe('Teams /api/messages', () => {
  let teams: TeamsFakes;
  let t: TestApp;
  beforeAll(async () => {
    teams = await startTeamsFakes();
    t = await startTestApp({ config: testConfig({ env: teamsEnv(teams.openId) }), modules: [teamsModule] });
  });
  afterAll(async () => {
    await t?.stop();
    await teams?.close();
  });
  beforeEach(() => {
    interceptLogin();
  });

  const activity = () => JSON.stringify(teamsFixture('channel-mention', { serviceUrl: teams.connector.url }));
  const post = async (body: string, authorization?: string | string[]) => {
    const token = `Bearer ${await signToken({ key: teams.key, serviceUrl: teams.connector.url })}`;
    return postRaw(
      t.url,
      '/api/messages',
      { 'content-type': 'application/json', authorization: authorization ?? token },
      body,
    );
  };

  it('Authorization sent twice (two valid tokens): 401, the header named', async () => {
    const token = `Bearer ${await signToken({ key: teams.key, serviceUrl: teams.connector.url })}`;
    const before = teams.connector.calls.length;
    await expectRefused(
      post(activity(), [token, token]),
      401,
      'teams.repeated_header',
      'authorization header was sent more than once',
    );
    expect(teams.connector.calls.length).toBe(before);
  });

  it('a __proto__ key: 400', async () => {
    await expectRefused(post(withProto(activity())), 400, 'teams.bad_activity', '__proto__');
  });

  it('nesting deeper than 64 levels: 400', async () => {
    await expectRefused(post(withDeep(activity())), 400, 'teams.bad_activity', 'deeper than 64');
  });
});

describe('GitHub /github/webhooks', () => {
  let t: GithubTestApp;
  beforeAll(async () => {
    t = await startGithubApp();
  });
  afterAll(async () => {
    await t.github.idle();
    await t.stop();
  });

  const post = (body: string, extra: Record<string, string | string[]> = {}) =>
    postRaw(
      t.url,
      '/github/webhooks',
      {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': `d-${Math.random().toString(36).slice(2)}`,
        'x-hub-signature-256': signGitHub(body),
        ...extra,
      },
      body,
    );
  const comment = () => JSON.stringify(prComment('/void help'));

  it('X-Hub-Signature-256 or X-GitHub-Delivery sent twice: 401, the header named, recorded', async () => {
    const body = comment();
    await expectRefused(
      post(body, { 'x-hub-signature-256': [signGitHub(body), signGitHub(body)] }),
      401,
      'github.repeated_header',
      'x-hub-signature-256 header was sent more than once',
    );
    await expectRefused(
      post(body, { 'x-github-delivery': ['d-1', 'd-2'] }),
      401,
      'github.repeated_header',
      'x-github-delivery',
    );
    await t.app.audit.security.flush();
    const trail = await t.app.audit.store.range(SYSTEM_TENANT, 1, 100);
    expect(
      trail.some((r) => r.action === 'security.bad_signature' && JSON.stringify(r.details).includes('repeated_header')),
    ).toBe(true);
  });

  it('a __proto__ key: 400', async () => {
    await expectRefused(post(withProto(comment())), 400, 'github.bad_json', '__proto__');
  });

  it('nesting deeper than 64 levels: 400', async () => {
    await expectRefused(post(withDeep(comment())), 400, 'github.bad_json', 'deeper than 64');
  });
});

describe('JIRA /jira/webhooks/<tenant>', () => {
  let t: TestApp;
  beforeAll(async () => {
    new FakeJira().install();
    t = await startTestApp({ config: testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV }), modules: [jiraModule] });
  });
  afterAll(async () => {
    await t.stop();
  });

  const post = (body: string, extra: Record<string, string | string[]> = {}) =>
    postRaw(
      t.url,
      '/jira/webhooks/acme',
      {
        'content-type': 'application/json',
        'x-atlassian-webhook-identifier': `wh-${Math.random().toString(36).slice(2)}`,
        'x-hub-signature': signJira(body, JIRA_SECRET),
        ...extra,
      },
      body,
    );
  const comment = () =>
    JSON.stringify({
      webhookEvent: 'comment_created',
      comment: { id: '1', author: { accountId: ALICE_JIRA }, body: 'hello' },
      issue: { key: 'PAY-12', self: 'https://acme.atlassian.net/rest/api/2/10012' },
    });

  it('X-Hub-Signature or X-Atlassian-Webhook-Identifier sent twice: 401, the header named', async () => {
    const body = comment();
    // Verified and answered: a comment without a `/void` command is answered in the ack, with nothing queued.
    expect((await post(body)).status).toBe(200);
    await expectRefused(
      post(body, { 'x-hub-signature': [signJira(body, JIRA_SECRET), signJira(body, JIRA_SECRET)] }),
      401,
      'jira.repeated_header',
      'x-hub-signature header was sent more than once',
    );
    await expectRefused(
      post(body, { 'x-atlassian-webhook-identifier': ['wh-a', 'wh-b'] }),
      401,
      'jira.repeated_header',
      'x-atlassian-webhook-identifier',
    );
  });

  it('a __proto__ key: 400', async () => {
    await expectRefused(post(withProto(comment())), 400, 'jira.bad_json', '__proto__');
  });

  it('nesting deeper than 64 levels: 400', async () => {
    await expectRefused(post(withDeep(comment())), 400, 'jira.bad_json', 'deeper than 64');
  });
});
