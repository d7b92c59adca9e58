// A Teams bot whose outbound credential does not work still gets Teams' 200 for every activity, and every reply is
// lost: that must not be silent. Here the login host is faked (nock on https, a closed loopback port): a refused
// password and an unreachable host show in /readyz (platforms.teams), the log, the credential-failure metric and
// `void doctor`; and MICROSOFT_LOGIN_URL works for any HTTPS authority, not only Microsoft's hosts.
/* eslint-disable @typescript-eslint/no-explicit-any -- /readyz JSON is read as loosely as a probe would */
import { Writable } from 'node:stream';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../bot/doctor.js';
import { metricsText } from '../../bot/metrics.js';
import { teamsModule } from '../../bot/teams/module.js';
import { captureAppLogger, REDIS_URL, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import { valueOf } from '../helpers/metrics.js';
import {
  BOT_APP_PASSWORD,
  closedPort,
  fixture,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';

const SOVEREIGN = 'https://login.sovereign-cloud.example';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start(env: Record<string, string> = {}): Promise<{ t: TestApp; teams: TeamsFakes; lines: string[] }> {
  const teams = await startTeamsFakes();
  cleanup.push(() => teams.close());
  const config = testConfig({ env: { ...teamsEnv(teams.openId), ...env } });
  const { log, lines } = captureAppLogger(config);
  const t = await startTestApp({ config, modules: [teamsModule], log });
  cleanup.push(() => t.stop());
  return { t, teams, lines };
}

/** The login host refuses the app password, as Azure AD does for a wrong or expired client secret. */
function refuseLogin(host = 'https://login.microsoftonline.com'): nock.Scope {
  return nock(host)
    .persist()
    .post(/\/oauth2\/v2\.0\/token$/)
    .reply(401, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided. Trace ID: 0000',
      error_codes: [7000215],
    });
}

async function readyz(t: TestApp): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${t.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function doctor(env: Record<string, string>): Promise<string> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
  await runDoctor({ out: sink, raw: { REDIS_URL, VOID_TENANTS_FILE: tempTenantsFile(), ...env } });
  return out;
}

const failures = async (reason: string) =>
  valueOf((await metricsText()).body, 'void_platform_credential_failures_total', { platform: 'teams', reason });

describe('a Teams credential that does not work', () => {
  it(
    'a refused app password: /readyz names it (still ready: Slack and GitHub work), ' +
      'the metric counts it, the log says what to do',
    async () => {
      refuseLogin();
      const before = await failures('rejected');
      const { t, teams, lines } = await start();
      const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
      expect(
        (await postActivity(t.url, fixture('channel-mention', { serviceUrl: teams.connector.url }), { token })).status,
      ).toBe(200);

      const ready = await readyz(t);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        checks: { redis: 'ok', store: 'ok' },
        failing: ['teams'],
      });
      expect(ready.body.platforms.teams).toMatchObject({
        status: 'failing',
        reason: 'rejected',
        message: 'the login host refused the app id and password (HTTP 401, invalid_client AADSTS7000215)',
      });
      expect(JSON.stringify(ready.body)).not.toContain(BOT_APP_PASSWORD);
      expect(await failures('rejected')).toBeGreaterThan(before);
      const log = lines.join('\n');
      expect(log).toContain('Teams: Void cannot get a token, so every reply to Teams is lost until this is fixed');
      expect(log).not.toContain(BOT_APP_PASSWORD);
      // Nothing reached the conversation.
      expect(teams.connector.calls).toEqual([]);
    },
  );

  it('an unreachable login host: /readyz says so, and so does void doctor', async () => {
    const loginUrl = `http://127.0.0.1:${await closedPort()}/`;
    const { t, teams } = await start({ MICROSOFT_LOGIN_URL: loginUrl });
    const ready = await readyz(t);
    expect(ready.body.platforms.teams).toMatchObject({ status: 'failing', reason: 'unreachable' });
    expect(ready.body.platforms.teams.message).toMatch(
      /^the login host 127\.0\.0\.1:\d+ did not answer \(connection failed\)$/,
    );
    const out = await doctor({ ...teamsEnv(teams.openId), MICROSOFT_LOGIN_URL: loginUrl });
    expect(out).toMatch(
      /✘ teams: the login host 127\.0\.0\.1:\d+ did not answer \(connection failed\): replies to Teams would be lost/,
    );
    expect(out).toContain(`Check MICROSOFT_LOGIN_URL (now ${loginUrl})`);
  });

  it('void doctor names a refused password without printing it', async () => {
    refuseLogin();
    const teams = await startTeamsFakes();
    cleanup.push(() => teams.close());
    const out = await doctor(teamsEnv(teams.openId));
    expect(out).toContain(
      '✘ teams: token request refused: the login host refused the app id and password (HTTP 401, ' +
        'invalid_client AADSTS7000215); replies to Teams would be lost',
    );
    expect(out).not.toContain(BOT_APP_PASSWORD);
  });
});

describe('MICROSOFT_LOGIN_URL', () => {
  it('works with any HTTPS authority: the token comes from that host and signs the reply', async () => {
    const requests: string[] = [];
    nock(SOVEREIGN)
      .persist()
      .post(/\/oauth2\/v2\.0\/token$/)
      .reply(200, function (uri, body) {
        requests.push(`${uri} ${String(body).includes('client_credentials') ? 'client_credentials' : '?'}`);
        return { token_type: 'Bearer', expires_in: 3599, access_token: 'sovereign-token' };
      });
    const { t, teams } = await start({
      MICROSOFT_LOGIN_URL: `${SOVEREIGN}/`,
      MICROSOFT_APP_TENANT_ID: '72f988bf-0000-4000-8000-00000000acme',
    });
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    await postActivity(t.url, fixture('channel-mention', { serviceUrl: teams.connector.url }), { token });
    const reply = await teams.connector.waitFor((calls) => calls.find((c) => c.method === 'POST'));
    expect(reply.authorization).toBe('Bearer sovereign-token');
    expect(requests[0]).toBe('/72f988bf-0000-4000-8000-00000000acme/oauth2/v2.0/token client_credentials');
    expect((await readyz(t)).body).toMatchObject({ status: 'ready', platforms: { teams: { status: 'ok' } } });
    const out = await doctor({
      ...teamsEnv(teams.openId),
      MICROSOFT_LOGIN_URL: `${SOVEREIGN}/`,
      MICROSOFT_APP_TENANT_ID: '72f988bf-0000-4000-8000-00000000acme',
    });
    expect(out).toContain('✔ teams: Bot Framework token issued for the app id by login.sovereign-cloud.example');
  });

  it('is refused at start unless it is https (plain http only on loopback)', () => {
    expect(() =>
      testConfig({
        env: {
          MICROSOFT_APP_ID: 'c9e8c047-2a74-40a2-b28a-b162d5f5327c',
          MICROSOFT_APP_PASSWORD: 'x',
          MICROSOFT_LOGIN_URL: 'http://login.example.com/',
        },
      }),
    ).toThrow(/MICROSOFT_LOGIN_URL.*expected an https:\/\/ URL/s);
  });
});
