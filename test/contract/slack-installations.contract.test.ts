// One contract for every store of Slack installations: the embedded store always, MongoDB wherever one can run
// (MONGODB_URL, or a mongod that mongodb-memory-server can start; otherwise the leg says plainly it is skipped).
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DurableInstallationRecords,
  EmbeddedInstallationRecords,
  InstallationStore,
  type InstallationRecords,
  type SlackInstallation,
} from '../../bot/slack/installations.js';
import { MongoInstallationRecords } from '../../bot/slack/installations.mongo.js';
import { TokenCipher } from '../../bot/slack/token-cipher.js';
import { freshDataDir, startMongoLeg } from '../helpers/audit.js';
import { SLACK_ROTATED_TOKEN, slackTokenFor } from '../fixtures/fake-secrets.js';

const cipher = new TokenCipher(randomBytes(32).toString('base64'));

function installation(overrides: Partial<SlackInstallation> = {}): SlackInstallation {
  return {
    tenantId: 'acme',
    teamId: `T${randomUUID().slice(0, 8).toUpperCase()}`,
    botToken: slackTokenFor(randomUUID()),
    botId: 'B01',
    botUserId: 'U01',
    scopes: ['chat:write', 'commands'],
    installedAt: '2026-11-25T10:00:00.000Z',
    installedBy: 'U0ERIN001',
    ...overrides,
  };
}

function contract(name: string, open: () => Promise<InstallationRecords | undefined>): void {
  describe(`Slack installation store contract: ${name}`, () => {
    let records: InstallationRecords | undefined;
    let store: InstallationStore;

    beforeAll(async () => {
      records = await open();
      if (records) store = new InstallationStore(records, cipher);
    });

    afterAll(async () => {
      await records?.close();
    });

    it('keeps the token sealed in the store and opens it on the way out', async (ctx) => {
      if (!records) return ctx.skip();
      const inst = installation();
      await store.save(inst);
      const raw = await records.findByTeam(inst.teamId);
      expect(JSON.stringify(raw)).not.toContain(inst.botToken);
      expect(await store.find(inst.teamId)).toEqual(inst);
    });

    it('replaces a reinstall of the same workspace instead of adding a second record', async (ctx) => {
      if (!records) return ctx.skip();
      const first = installation({ tenantId: `t-${randomUUID().slice(0, 6)}` });
      await store.save(first);
      await store.save({ ...first, botToken: SLACK_ROTATED_TOKEN, scopes: ['chat:write'] });
      const list = await store.listForTenant(first.tenantId);
      expect(list.map((i) => [i.teamId, i.botToken, i.scopes])).toEqual([
        [first.teamId, SLACK_ROTATED_TOKEN, ['chat:write']],
      ]);
    });

    it('is scoped by tenant: another tenant lists nothing and removes nothing', async (ctx) => {
      if (!records) return ctx.skip();
      const mine = installation({ tenantId: `t-${randomUUID().slice(0, 6)}` });
      await store.save(mine);
      expect(await store.listForTenant(`t-${randomUUID().slice(0, 6)}`)).toEqual([]);
      expect(await store.remove('someone-else', mine.teamId)).toBe(false);
      expect(await store.find(mine.teamId)).toMatchObject({ teamId: mine.teamId, tenantId: mine.tenantId });
      expect(await store.remove(mine.tenantId, mine.teamId)).toBe(true);
      expect(await store.find(mine.teamId)).toBeUndefined();
    });

    it('answers undefined for an unknown team', async (ctx) => {
      if (!records) return ctx.skip();
      expect(await store.find('T0UNKNOWN')).toBeUndefined();
    });
  });
}

contract('durable embedded (files)', async () => DurableInstallationRecords.open(freshDataDir()));
contract('in-memory', async () => new EmbeddedInstallationRecords());

const mongo = await startMongoLeg(10_000);
contract('MongoDB', async () => {
  if (!mongo.url) {
    console.warn(`[slack-installations contract] MongoDB leg SKIPPED: ${mongo.reason}. Set MONGODB_URL to run it.`);
    return undefined;
  }
  return MongoInstallationRecords.connect(mongo.url, `void-slack-${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await mongo.stop();
});
