// Multi-workspace mode: Slack's OAuth v2 install flow against the fake Web API, the installation bound to the tenant
// that lists the team id, its token sealed at rest and used for that workspace's messages, never logged.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { ACME_TEAM, USERS, postSlack, slashForm } from '../helpers/slack.js';
import { SLACK_INSTALLED_TOKEN } from '../fixtures/fake-secrets.js';

const INSTALLED_TOKEN = SLACK_INSTALLED_TOKEN;
const CLIENT_SECRET = 'client-secret-for-tests-123';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

let t: SlackTestApp;

beforeEach(async () => {
  t = await startSlackApp({
    env: {
      SLACK_BOT_TOKEN: '',
      SLACK_BOT_ID: '',
      SLACK_BOT_USER_ID: '',
      SLACK_CLIENT_ID: '1234.5678',
      SLACK_CLIENT_SECRET: CLIENT_SECRET,
      SLACK_STATE_SECRET: 'state-secret-for-tests',
      VOID_ENCRYPTION_KEY: ENCRYPTION_KEY,
      SLACK_REDIRECT_URI: 'https://void.example/slack/oauth_redirect',
    },
  });
});

afterEach(async () => {
  await t.stop();
});

async function startInstall(): Promise<{ state: string; cookie: string; location: URL }> {
  const response = await fetch(`${t.url}/slack/install`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { state: location.searchParams.get('state') ?? '', cookie, location };
}

function grantFor(team: string): void {
  t.fake.script('oauth.v2.access', (p) =>
    p.code === 'good-code' && p.client_secret === CLIENT_SECRET
      ? {
          body: {
            ok: true,
            access_token: INSTALLED_TOKEN,
            token_type: 'bot',
            scope: 'commands,chat:write',
            bot_user_id: 'U0VOIDBOT',
            app_id: 'A0VOID',
            team: { id: team, name: 'Acme Payments' },
            enterprise: null,
            authed_user: { id: USERS.erin },
          },
        }
      : { body: { ok: false, error: 'invalid_code' } },
  );
}

function redirect(state: string, cookie: string, code = 'good-code') {
  return fetch(`${t.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, {
    headers: { cookie },
  });
}

describe('OAuth install', () => {
  it(
    'sends the installer to Slack with the client id, ' + 'scopes, redirect URI and a signed state bound by a cookie',
    async () => {
      const { location, state, cookie } = await startInstall();
      expect(location.origin).toBe(t.fake.url);
      expect(location.pathname).toBe('/oauth/v2/authorize');
      expect(location.searchParams.get('client_id')).toBe('1234.5678');
      expect(location.searchParams.get('scope')).toContain('commands');
      expect(location.searchParams.get('redirect_uri')).toBe('https://void.example/slack/oauth_redirect');
      expect(cookie.split('=')[1]).toBe(state.split('.')[0]);
    },
  );

  it('binds the workspace to its tenant, seals the token, and speaks with it in that workspace', async () => {
    grantFor(ACME_TEAM);
    const { state, cookie } = await startInstall();
    const response = await redirect(state, cookie);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('installed in Acme Payments for Acme Payments');
    expect(t.fake.callsOf('auth.test')[0]?.token).toBe(INSTALLED_TOKEN);

    const trail = await t.app.audit.store.range('acme', 1, 100);
    expect(trail.map((r) => [r.action, r.target])).toContainEqual(['chat.slack_installed', ACME_TEAM]);
    expect(JSON.stringify(trail)).not.toContain(INSTALLED_TOKEN);

    // `cancel` needs the worker (whoami would be answered in the ack, with no token used).
    const cancel = slashForm({ text: 'cancel review-1', user: USERS.bob });
    expect((await postSlack(t.url, { body: cancel })).status).toBe(200);
    const [answer] = await t.fake.waitFor('chat.postEphemeral');
    expect(answer?.token).toBe(INSTALLED_TOKEN);
    const logs = t.logLines.join('\n');
    for (const secret of [INSTALLED_TOKEN, CLIENT_SECRET, ENCRYPTION_KEY]) expect(logs).not.toContain(secret);
  });

  it('refuses a reused state, a state without its cookie, and a forged state', async () => {
    grantFor(ACME_TEAM);
    const { state, cookie } = await startInstall();
    expect((await redirect(state, '')).status).toBe(400);
    expect((await redirect(`${state.split('.')[0]}.${'0'.repeat(64)}`, cookie)).status).toBe(400);
    expect((await redirect(state, cookie)).status).toBe(200);
    expect((await redirect(state, cookie)).status).toBe(400);
    expect(t.fake.callsOf('oauth.v2.access')).toHaveLength(1);
  });

  it('refuses a workspace bound to no tenant: 403, audited on the system trail, nothing stored', async () => {
    grantFor('T0NOBODY1');
    const { state, cookie } = await startInstall();
    const response = await redirect(state, cookie);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('not bound to any tenant');
    const trail = await t.app.audit.store.range(SYSTEM_TENANT, 1, 100);
    expect(trail.map((r) => r.action)).toEqual(['chat.slack_install_refused']);
    expect(t.fake.callsOf('auth.test')).toHaveLength(0);
  });

  it(
    'a bad code from Slack: 502 page, nothing installed; ' + 'commands from that workspace are refused saying so',
    async () => {
      grantFor(ACME_TEAM);
      const { state, cookie } = await startInstall();
      expect((await redirect(state, cookie, 'bad-code')).status).toBe(502);
      const response = await postSlack(t.url, { body: slashForm({ text: 'review acme/api#1', user: USERS.bob }) });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toMatchObject({ error: 'slack.not_installed' });
      await t.settled();
      expect(t.fake.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
      expect(await t.app.queue.queue.count()).toBe(0);
    },
  );
});
