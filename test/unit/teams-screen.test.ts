// What a Teams activity must be before Void accepts it at all (pure checks; the outside-in tests are in
// test/integration/teams-tenancy.test.ts), and what counts as loopback for the emulator mode.
import { describe, expect, it } from 'vitest';
import { checkTeamsConfig, isLoopbackHost } from '../../bot/config/teams.js';
import { loadEnv } from '../../bot/config/load.js';
import { screenActivity } from '../../bot/teams/receiver.js';
import type { TeamsActivity } from '../../bot/teams/mapper.js';

const activity = (channelId: string, conversationTenant?: string, dataTenant?: string): TeamsActivity => ({
  type: 'message',
  channelId,
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  conversation: { id: 'a:1', ...(conversationTenant ? { tenantId: conversationTenant } : {}) },
  ...(dataTenant ? { channelData: { tenant: { id: dataTenant } } } : {}),
});

describe('screenActivity', () => {
  it('accepts only allow-listed channels, whatever their case', () => {
    expect(screenActivity(activity('msteams', 'T1'), ['msteams'])).toBeUndefined();
    expect(screenActivity(activity('MsTeams', 'T1'), ['msteams'])).toBeUndefined();
    expect(screenActivity(activity('webchat', 'T1'), ['msteams'])).toMatchObject({
      status: 403,
      code: 'teams.channel_not_allowed',
    });
    expect(screenActivity(activity('directline', 'T1'), ['msteams', 'webchat'])?.message).toContain(
      '(allowed: msteams, webchat)',
    );
  });

  it('refuses two different tenant ids, compared without case; one of them alone is fine', () => {
    expect(screenActivity(activity('msteams', 'AAAA-1', 'aaaa-1'), ['msteams'])).toBeUndefined();
    expect(screenActivity(activity('msteams', undefined, 'aaaa-1'), ['msteams'])).toBeUndefined();
    expect(screenActivity(activity('msteams', 'aaaa-1', 'bbbb-2'), ['msteams'])).toMatchObject({
      status: 401,
      code: 'teams.tenant_mismatch',
      details: { action: 'security.cross_tenant' },
    });
  });
});

describe('emulator mode configuration', () => {
  it('knows loopback when it sees it', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', ' LOCALHOST '])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'void.example.com', '127.0.0.1.nip.io'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it(
    'has nothing to say when the emulator mode is off, ' + 'and two problems when it is on in public with an app id',
    () => {
      expect(checkTeamsConfig(loadEnv({ HOST: '0.0.0.0', MICROSOFT_APP_ID: 'app' }))).toEqual([]);
      expect(checkTeamsConfig(loadEnv({ TEAMS_EMULATOR_MODE: 'true', HOST: '127.0.0.1' }))).toEqual([]);
      expect(checkTeamsConfig(loadEnv({ TEAMS_EMULATOR_MODE: 'true', MICROSOFT_APP_ID: 'app' }))).toHaveLength(2);
    },
  );

  it('reads TEAMS_ALLOWED_CHANNELS as a lower-case list, msteams by default, and refuses a malformed one', () => {
    expect(loadEnv({}).TEAMS_ALLOWED_CHANNELS).toEqual(['msteams']);
    expect(loadEnv({ TEAMS_ALLOWED_CHANNELS: 'msteams, WebChat' }).TEAMS_ALLOWED_CHANNELS).toEqual([
      'msteams',
      'webchat',
    ]);
    expect(() => loadEnv({ TEAMS_ALLOWED_CHANNELS: 'msteams;webchat' })).toThrow(
      /TEAMS_ALLOWED_CHANNELS: expected channel ids separated by commas/,
    );
  });
});
