// "No one speaks for anyone else", Teams side, driven as an attacker would: real Bot Framework tokens (a generated
// RSA key published by a local OpenID endpoint) into POST /api/messages, the Bot Connector faked on loopback.
// Only the msteams channel (unless allow-listed); one Azure AD tenant per activity; nothing sent to an unbound tenant;
// the local-emulator mode only on loopback without an app id.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { ConfigError, loadConfig } from '../../bot/config/load.js';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import {
  AAD,
  BOT_APP_ID,
  createTestKey,
  FakeConnector,
  fixture,
  interceptLogin,
  OpenIdServer,
  postActivity,
  signToken,
  teamsEnv,
  teamsTenantsYaml,
  type TestKey,
} from '../helpers/teams.js';

const FOREIGN_AAD = '99999999-0000-4000-8000-0000000f0e1e';

let key: TestKey;
let openId: OpenIdServer;
let connector: FakeConnector;
let t: TestApp | undefined;

beforeEach(async () => {
  interceptLogin();
  // A key the Bot Framework endorses for webchat as well as msteams (as its real key set does).
  key = await createTestKey(undefined, ['msteams', 'webchat']);
  openId = await OpenIdServer.start([key]);
  connector = await FakeConnector.start();
});

afterEach(async () => {
  await t?.stop();
  t = undefined;
  await openId.close();
  await connector.close();
});

async function start(extra: Record<string, string> = {}): Promise<TestApp> {
  t = await startTestApp({
    config: testConfig({ yaml: teamsTenantsYaml(), env: teamsEnv(openId, extra) }),
    modules: [teamsModule],
  });
  return t;
}

const records = (tenant: string) => (t as TestApp).app.audit.store.range(tenant, 1, 1000);

/** Alice's "whoami" in her personal chat, on `channelId`, with the conversation's and channelData's tenant ids. */
function aliceSays(
  channelId: string,
  tenants: { conversation?: string; channelData?: string } = {},
): Record<string, unknown> {
  const base = fixture('personal-message', { serviceUrl: connector.url, channelId });
  return {
    ...base,
    conversation: { ...(base.conversation as object), tenantId: tenants.conversation ?? AAD.tenant },
    channelData: {
      ...(base.channelData as object),
      tenant: { id: tenants.channelData ?? tenants.conversation ?? AAD.tenant },
    },
  };
}

describe('Teams: only the msteams channel, one tenant per activity', () => {
  it(
    'a webchat activity with a key endorsed for webchat, ' +
      "a bound tenant and Alice's object id is refused, recorded, and never dispatched",
    async () => {
      const app = await start();
      const token = await signToken({ key, serviceUrl: connector.url });
      const res = await postActivity(app.url, aliceSays('webchat'), { token });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'teams.channel_not_allowed' });
      expect(await records('acme')).toEqual([]);
      expect(connector.calls).toEqual([]);
      const system = (await records(SYSTEM_TENANT)).filter((r) => r.action === 'security.channel_refused');
      expect(system.map((r) => [r.target, r.details?.channel])).toEqual([[AAD.tenant, 'webchat']]);
    },
  );

  it('an operator can allow-list another channel (TEAMS_ALLOWED_CHANNELS)', async () => {
    const app = await start({ TEAMS_ALLOWED_CHANNELS: 'msteams, webchat' });
    const token = await signToken({ key, serviceUrl: connector.url });
    expect((await postActivity(app.url, aliceSays('webchat'), { token })).status).toBe(200);
    await connector.waitFor((calls) => calls.find((c) => String(c.body.text).includes('Alice')));
  });

  it(
    'an activity whose conversation.tenantId ' + 'and channelData.tenant.id disagree is refused (401) and recorded',
    async () => {
      const app = await start();
      const token = await signToken({ key, serviceUrl: connector.url });
      const res = await postActivity(
        app.url,
        aliceSays('msteams', { conversation: AAD.tenant, channelData: FOREIGN_AAD }),
        { token },
      );
      expect([res.status, (res.body as { error?: string }).error]).toEqual([401, 'teams.tenant_mismatch']);
      const swapped = await postActivity(
        app.url,
        aliceSays('msteams', { conversation: FOREIGN_AAD, channelData: AAD.tenant }),
        { token },
      );
      expect(swapped.status).toBe(401);
      expect(await records('acme')).toEqual([]);
      expect(connector.calls).toEqual([]);
      expect((await records(SYSTEM_TENANT)).filter((r) => r.action === 'security.cross_tenant')).toHaveLength(2);
    },
  );
});

describe('Teams: nothing is sent to an Azure AD tenant that is not bound', () => {
  it(
    'a channel mention from an unbound tenant opens no 1:1 chat and gets no reply; ' +
      'it is logged and recorded instead',
    async () => {
      const app = await start();
      const token = await signToken({ key, serviceUrl: connector.url });
      const base = fixture('channel-mention', { serviceUrl: connector.url });
      const activity = {
        ...base,
        from: { id: '29:foreign', name: 'Mallory', aadObjectId: '00000000-0000-4000-8000-00000000f00d' },
        conversation: { ...(base.conversation as object), tenantId: FOREIGN_AAD },
        channelData: { ...(base.channelData as object), tenant: { id: FOREIGN_AAD } },
      };
      const res = await postActivity(app.url, activity, { token });
      expect([res.status, (res.body as { error?: string }).error]).toEqual([403, 'identity.unknown_workspace']);
      await new Promise((r) => setTimeout(r, 200));
      expect(connector.calls).toEqual([]);
      const system = (await records(SYSTEM_TENANT)).filter((r) => r.action === 'request.rejected');
      expect(system.map((r) => [r.target, r.details?.code])).toEqual([[FOREIGN_AAD, 'identity.unknown_workspace']]);
    },
  );
});

describe('TEAMS_EMULATOR_MODE (authentication off) only on loopback, without an app id', () => {
  it('refuses to start on a public address or with MICROSOFT_APP_ID set, and says why', async () => {
    const onPublic = testConfig({ env: { TEAMS_EMULATOR_MODE: 'true', HOST: '0.0.0.0' } });
    await expect(startTestApp({ config: onPublic, modules: [teamsModule] })).rejects.toThrow(
      /HOST is "0\.0\.0\.0": anyone who can reach \/api\/messages could act as any Teams user/,
    );
    const withAppId = testConfig({
      env: { TEAMS_EMULATOR_MODE: 'true', MICROSOFT_APP_ID: BOT_APP_ID, MICROSOFT_APP_PASSWORD: 'x-password-0001' },
    });
    await expect(startTestApp({ config: withAppId, modules: [teamsModule] })).rejects.toThrow(
      /cannot be used with MICROSOFT_APP_ID set/,
    );
    let problems: readonly string[] = [];
    try {
      loadConfig({
        VOID_TENANTS_FILE: tempTenantsFile(),
        TEAMS_EMULATOR_MODE: 'true',
        HOST: '0.0.0.0',
        MICROSOFT_APP_ID: BOT_APP_ID,
      });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(
      'Set HOST=127.0.0.1 for the local Bot Framework Emulator, or unset TEAMS_EMULATOR_MODE.',
    );
  });

  it('starts on 127.0.0.1 without an app id', async () => {
    t = await startTestApp({
      config: testConfig({ env: { TEAMS_EMULATOR_MODE: 'true', HOST: '127.0.0.1' } }),
      modules: [teamsModule],
    });
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});
