// Signing keys from the OpenID metadata: rotation is picked up, an unknown kid refreshes at most once per cool-down,
// and tokens are checked with an injectable clock.
import { afterEach, describe, expect, it } from 'vitest';
import { OpenIdKeys } from '../../bot/teams/openid.js';
import { verifyChannelToken } from '../../bot/teams/receiver.js';
import { BOT_APP_ID, createTestKey, ISSUER, OpenIdServer, signToken } from '../helpers/teams.js';

let server: OpenIdServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Bot Framework signing keys', () => {
  it(
    'picks up a rotated key after the cool-down, ' + 'and refreshes at most once per cool-down for unknown kids',
    async () => {
      const oldKey = await createTestKey('old');
      const newKey = await createTestKey('new');
      server = await OpenIdServer.start([oldKey]);
      let now = 1_000_000;
      const keys = new OpenIdKeys({ metadataUrl: server.metadataUrl, now: () => now, unknownKidCooldownMs: 60_000 });
      const check = { appId: BOT_APP_ID, issuer: ISSUER, keys };
      const serviceUrl = 'https://smba.trafficmanager.net/amer/';

      expect(await verifyChannelToken(`Bearer ${await signToken({ key: oldKey, serviceUrl })}`, check)).toMatchObject({
        ok: true,
      });
      expect(server.keyRequests).toBe(1);

      server.keys = [oldKey.jwk, newKey.jwk];
      const fresh = `Bearer ${await signToken({ key: newKey, serviceUrl })}`;
      // Within the cool-down the new kid is unknown and no refresh happens, however many requests come.
      for (let i = 0; i < 10; i += 1)
        expect(await verifyChannelToken(fresh, check)).toMatchObject({
          ok: false,
          refusal: { code: 'teams.unknown_key' },
        });
      expect(server.keyRequests).toBe(1);

      now += 61_000;
      expect(await verifyChannelToken(fresh, check)).toMatchObject({ ok: true });
      expect(server.keyRequests).toBe(2);

      // A forged kid after the cool-down: exactly one refresh, then none until the next cool-down ends.
      now += 61_000;
      const forged = `Bearer ${await signToken({ key: await createTestKey('forged'), serviceUrl })}`;
      await Promise.all(Array.from({ length: 20 }, () => verifyChannelToken(forged, check)));
      expect(server.keyRequests).toBe(3);
    },
  );

  it('checks expiry against the injected clock with a 5-minute skew', async () => {
    const key = await createTestKey();
    server = await OpenIdServer.start([key]);
    const keys = new OpenIdKeys({ metadataUrl: server.metadataUrl });
    const token = `Bearer ${await signToken({ key, serviceUrl: 'https://x.example/', expiresIn: 60 })}`;
    const at = (offsetSeconds: number) => ({
      appId: BOT_APP_ID,
      issuer: ISSUER,
      keys,
      now: () => new Date(Date.now() + offsetSeconds * 1000),
    });
    expect(await verifyChannelToken(token, at(60 + 299))).toMatchObject({ ok: true });
    expect(await verifyChannelToken(token, at(60 + 301))).toMatchObject({
      ok: false,
      refusal: { code: 'teams.expired_token' },
    });
  });

  it('answers "keys unavailable" (not "unauthorised") when the metadata cannot be read at all', async () => {
    const keys = new OpenIdKeys({ metadataUrl: 'http://127.0.0.1:9/nothing-listens-here', fetchTimeoutMs: 1000 });
    const key = await createTestKey();
    const token = `Bearer ${await signToken({ key, serviceUrl: 'https://x.example/' })}`;
    await expect(verifyChannelToken(token, { appId: BOT_APP_ID, issuer: ISSUER, keys })).rejects.toMatchObject({
      code: 'teams.keys_unavailable',
    });
  });
});
