// The SSRF guard's address classes and allow-list, quiet hours, the `notify` grammar and the tenants-file section:
// pure functions, no network (a resolver is handed in; literal addresses are never connected to).
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../bot/core/grammar.js';
import { parseTenantsYaml } from '../../bot/config/load.js';
import { AllowList, checkTarget, isInternalAddress } from '../../integrations/notify/outbound.js';
import { inQuietHours, msUntilQuietEnds, notificationsOf } from '../../integrations/notify/settings.schema.js';

const noDns = async (): Promise<never> => {
  throw new Error('no DNS in unit tests');
};

describe('notify: SSRF guard', () => {
  it.each([
    ['127.0.0.1'],
    ['127.8.9.10'],
    ['10.0.0.1'],
    ['172.16.5.4'],
    ['172.31.255.255'],
    ['192.168.1.1'],
    ['169.254.169.254'],
    ['100.64.0.1'],
    ['0.0.0.0'],
    ['::1'],
    ['::'],
    ['fe80::1'],
    ['fd00:ec2::254'],
    ['::ffff:169.254.169.254'],
    ['::ffff:a9fe:a9fe'],
    ['::ffff:127.0.0.1'],
    ['64:ff9b::10.0.0.1'],
    ['224.0.0.1'],
  ])('%s is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each([['93.184.216.34'], ['8.8.8.8'], ['172.32.0.1'], ['2606:4700::1111'], ['::ffff:8.8.8.8']])(
    '%s is public',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('refuses literal private, metadata and mapped addresses, and bad URLs, without connecting', async () => {
    const none = new AllowList(undefined);
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.7/hook',
      'http://[::ffff:169.254.169.254]/',
      'http://[::1]:8080/x',
      'http://0x7f000001/',
    ]) {
      expect(await checkTarget(url, none, noDns)).toMatchObject({
        ok: false,
        refusal: { code: 'webhook.blocked_address' },
      });
    }
    expect(await checkTarget('ftp://example.com/x', none, noDns)).toMatchObject({
      ok: false,
      refusal: { code: 'webhook.bad_url' },
    });
    expect(await checkTarget('https://user:pw@example.com/x', none, noDns)).toMatchObject({
      ok: false,
      refusal: { code: 'webhook.bad_url' },
    });
    expect(await checkTarget('https://nowhere.example/x', none, noDns)).toMatchObject({
      ok: false,
      refusal: { code: 'webhook.unresolvable' },
    });
  });

  it('refuses a name when any of its addresses is internal (a public one beside it does not help)', async () => {
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    expect(await checkTarget('https://hooks.example/x', new AllowList(undefined), mixed)).toMatchObject({
      ok: false,
      refusal: { code: 'webhook.blocked_address' },
    });
    const publicOnly = async () => [{ address: '93.184.216.34', family: 4 }];
    expect(await checkTarget('https://hooks.example/x', new AllowList(undefined), publicOnly)).toMatchObject({
      ok: true,
      address: '93.184.216.34',
    });
  });

  it('the operator allow-list admits what it names: a host, a host:port, an address or a range', async () => {
    const internal = async () => [{ address: '10.1.2.3', family: 4 }];
    expect(await checkTarget('https://siem.corp/x', new AllowList('siem.corp'), internal)).toMatchObject({ ok: true });
    expect(await checkTarget('https://siem.corp:8443/x', new AllowList('siem.corp:8443'), internal)).toMatchObject({
      ok: true,
    });
    expect(await checkTarget('https://siem.corp/x', new AllowList('siem.corp:8443'), internal)).toMatchObject({
      ok: false,
    });
    expect(await checkTarget('https://siem.corp/x', new AllowList('10.1.0.0/16'), internal)).toMatchObject({
      ok: true,
    });
    expect(await checkTarget('http://127.0.0.1:9/x', new AllowList('127.0.0.1'), noDns)).toMatchObject({ ok: true });
    expect(await checkTarget('http://169.254.169.254/x', new AllowList('127.0.0.1, 10.0.0.0/8'), noDns)).toMatchObject({
      ok: false,
    });
  });
});

describe('notify: quiet hours', () => {
  const pref = { quietHours: '22:00-07:00', timezone: 'UTC' };
  it('wraps midnight and says how long is left', () => {
    expect(inQuietHours(pref, new Date('2026-12-04T23:30:00Z'))).toBe(true);
    expect(inQuietHours(pref, new Date('2026-12-04T06:59:00Z'))).toBe(true);
    expect(inQuietHours(pref, new Date('2026-12-04T07:00:00Z'))).toBe(false);
    expect(inQuietHours(pref, new Date('2026-12-04T12:00:00Z'))).toBe(false);
    expect(msUntilQuietEnds(pref, new Date('2026-12-04T23:30:00Z'))).toBe(7.5 * 3_600_000);
    expect(msUntilQuietEnds(pref, new Date('2026-12-04T12:00:00Z'))).toBe(0);
  });
  it("follows the person's time zone", () => {
    const berlin = { quietHours: '22:00-07:00', timezone: 'Europe/Berlin' };
    expect(inQuietHours(berlin, new Date('2026-12-04T21:30:00Z'))).toBe(true); // 22:30 in Berlin
    expect(inQuietHours(berlin, new Date('2026-12-04T06:30:00Z'))).toBe(false); // 07:30 in Berlin
  });
});

describe('notify: grammar and tenants file', () => {
  it('parses the notify command and refuses what it cannot use', () => {
    expect(parseCommand('notify')).toEqual({ ok: true, command: { name: 'notify', sub: 'show' } });
    expect(parseCommand('notify digest')).toEqual({
      ok: true,
      command: { name: 'notify', sub: 'channel', channel: 'digest' },
    });
    expect(parseCommand('notify quiet 22:00-07:00 Europe/Berlin')).toEqual({
      ok: true,
      command: { name: 'notify', sub: 'quiet', hours: '22:00-07:00', timezone: 'Europe/Berlin' },
    });
    expect(parseCommand('notify quiet off')).toEqual({ ok: true, command: { name: 'notify', sub: 'quiet' } });
    expect(parseCommand('notify pager')).toMatchObject({
      ok: false,
      refusal: { params: { error: expect.stringContaining('say "notify chat"') } },
    });
    expect(parseCommand('notify quiet 7-9')).toMatchObject({ ok: false });
  });

  it('validates the notifications section with paths, and re-reading it gives the same settings', () => {
    const yaml = (n: string) => `version: 1\ntenants:\n  - id: acme\n    name: Acme\n    notifications:\n${n}`;
    const tenants = parseTenantsYaml(
      yaml(
        '      members:\n        bob: { channel: digest, quietHours: "22:00-07:00" }\n      webhooks:\n        - ' +
          '{ id: siem, url: "https://siem.example/in", secretRef: siem, events: [audit.appended] }\n',
      ),
      't.yaml',
    );
    const settings = notificationsOf(tenants[0] as never);
    expect(settings.members.bob).toEqual({ channel: 'digest', quietHours: '22:00-07:00', timezone: 'UTC' });
    expect(settings.webhooks[0]?.events).toEqual(['audit.appended']);
    expect(() => parseTenantsYaml(yaml('      members:\n        bob: { channel: pager }\n'), 't.yaml')).toThrow(
      /notifications\.members\.bob\.channel/,
    );
    expect(() =>
      parseTenantsYaml(yaml('      members:\n        bob: { quietHours: "25:00-01:00" }\n'), 't.yaml'),
    ).toThrow(/quiet hours like "22:00-07:00"/);
    expect(() =>
      parseTenantsYaml(
        yaml('      webhooks:\n        - { id: a, url: "https://x.example", secretRef: s, events: [everything] }\n'),
        't.yaml',
      ),
    ).toThrow(/notifications\.webhooks\[0\]\.events/);
  });
});
