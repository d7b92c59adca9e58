// Bot Framework JWT validation on POST /api/messages: every forged, stale or misaddressed token gets 401 and
// touches nothing (no dispatch, no tenant audit record, no Bot Connector call; the refusal is
// counted on the system trail, as on every platform); a valid one is processed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { captureAppLogger, captureLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  BOT_APP_PASSWORD,
  createTestKey,
  FakeConnector,
  fixture,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';
import { teamsModule } from '../../bot/teams/module.js';

let teams: TeamsFakes;
let t: TestApp;
let logLines: string[];

beforeAll(async () => {
  teams = await startTeamsFakes();
  const config = testConfig({ env: teamsEnv(teams.openId) });
  const captured = captureAppLogger(config);
  logLines = captured.lines;
  t = await startTestApp({ config, modules: [teamsModule], log: captured.log });
});

afterAll(async () => {
  await t?.stop();
  await teams?.close();
});

beforeEach(() => {
  interceptLogin();
});

const channelCommand = () => fixture('channel-mention', { serviceUrl: teams.connector.url });

async function auditCount(): Promise<number> {
  return (await t.app.audit.store.head('acme'))?.seq ?? 0;
}

async function expectRejected(response: { status: number; body: unknown }, code: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.body).toMatchObject({ error: code });
}

describe('POST /api/messages authentication', () => {
  it('answers 401 to a request without a token, and touches nothing', async () => {
    const before = teams.connector.calls.length;
    await expectRejected(await postActivity(t.url, channelCommand(), {}), 'teams.missing_token');
    expect(teams.connector.calls.length).toBe(before);
  });

  it('answers 401 to an expired token (beyond the 5-minute skew)', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url, expiresIn: -301 });
    await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.expired_token');
  });

  it('accepts a token that expired within the 5-minute skew', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url, expiresIn: -120 });
    const response = await postActivity(t.url, channelCommand(), { token });
    expect(response.status).toBe(200);
  });

  it('answers 401 to a token for another bot (wrong audience)', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url, audience: 'another-bot-app-id' });
    await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.wrong_audience');
  });

  it('answers 401 to a token from another issuer', async () => {
    const token = await signToken({
      key: teams.key,
      serviceUrl: teams.connector.url,
      issuer: 'https://sts.windows.net/evil/',
    });
    await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.wrong_issuer');
  });

  it('answers 401 to a token signed by an unknown key, refreshing the keys at most once', async () => {
    const stranger = await createTestKey();
    const token = await signToken({ key: stranger, serviceUrl: teams.connector.url });
    const refreshesBefore = teams.openId.keyRequests;
    for (let i = 0; i < 5; i += 1)
      await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.unknown_key');
    // The keys were fetched at the first request; unknown kids within the cool-down do not fetch again.
    expect(teams.openId.keyRequests - refreshesBefore).toBeLessThanOrEqual(1);
  });

  it('answers 401 to a token whose kid is known but whose signature is by another key', async () => {
    const impostor = await createTestKey(teams.key.kid);
    const token = await signToken({ key: impostor, serviceUrl: teams.connector.url });
    await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.bad_signature');
  });

  it('answers 401 to alg "none" and to HS256 keyed with the public key', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: teams.key.kid, typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({
        iss: 'https://api.botframework.com',
        aud: 'c9e8c047-2a74-40a2-b28a-b162d5f5327c',
        exp: Math.floor(Date.now() / 1000) + 600,
        serviceurl: teams.connector.url,
      }),
    );
    await expectRejected(
      await postActivity(t.url, channelCommand(), { header: `Bearer ${header}.${payload}.` }),
      'teams.bad_algorithm',
    );
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(teams.key.jwk));
    const hs = await new SignJWT({ serviceurl: teams.connector.url })
      .setProtectedHeader({ alg: 'HS256', kid: teams.key.kid })
      .setIssuer('https://api.botframework.com')
      .setAudience('c9e8c047-2a74-40a2-b28a-b162d5f5327c')
      .setExpirationTime('10m')
      .sign(publicKeyBytes);
    await expectRejected(await postActivity(t.url, channelCommand(), { token: hs }), 'teams.bad_algorithm');
  });

  it('answers 401 when the token was issued for another serviceUrl', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    await expectRejected(await postActivity(t.url, channelCommand(), { token }), 'teams.service_url_mismatch');
  });

  it('answers 401 to a garbage Authorization header and 400 to a malformed body with a valid token', async () => {
    await expectRejected(
      await postActivity(t.url, channelCommand(), { header: 'Bearer not.a.jwt' }),
      'teams.bad_token',
    );
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const response = await fetch(`${t.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"type": "message", ',
    });
    expect(response.status).toBe(400);
  });

  it('processes a valid request: Alice asks "whoami" in her personal chat and gets the answer', async () => {
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const activity = fixture('personal-message', { serviceUrl: teams.connector.url });
    const response = await postActivity(t.url, activity, { token });
    expect(response.status).toBe(200);
    const reply = await teams.connector.waitFor((calls) =>
      calls.find((c) => c.method === 'POST' && c.path.includes('/activities') && String(c.body.text).includes('Alice')),
    );
    expect(reply.path).toContain(encodeURIComponent(String((activity.conversation as { id: string }).id)));
    expect(reply.authorization).toBe('Bearer outbound-test-token');
    expect(logLines.join('')).not.toContain(BOT_APP_PASSWORD);
    expect(logLines.join('')).not.toContain('outbound-test-token');
    expect(logLines.join('')).not.toContain(token);
  });

  it('never lets a rejected request reach the audit trail', async () => {
    const before = await auditCount();
    await expectRejected(await postActivity(t.url, channelCommand(), {}), 'teams.missing_token');
    expect(await auditCount()).toBe(before);
  });
});

describe('local-emulator mode', () => {
  it('turns validation off only when asked, and warns at every start', async () => {
    const emulatorConnector = await FakeConnector.start();
    const captured = captureLogger([], 'info');
    const app = await startTestApp({
      config: testConfig({ env: { TEAMS_EMULATOR_MODE: 'true' } }),
      modules: [teamsModule],
      log: captured.log,
    });
    try {
      expect(captured.lines.some((l) => l.includes('TEAMS_EMULATOR_MODE is on') && l.includes('"level":40'))).toBe(
        true,
      );
      const activity = fixture('personal-message', { serviceUrl: emulatorConnector.url });
      expect((await postActivity(app.url, activity, {})).status).toBe(200);
      const reply = await emulatorConnector.waitFor((calls) =>
        calls.find((c) => String(c.body.text).includes('Alice')),
      );
      expect(reply.authorization).toBeUndefined();
    } finally {
      await app.stop();
      await emulatorConnector.close();
    }
  });
});
