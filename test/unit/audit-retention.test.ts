// The tenants file's `audit` section and the retention run that applies it.
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { runRetention } from '../../audit/module.js';
import { auditSettingsOf } from '../../audit/settings.schema.js';
import { AuditTrail } from '../../audit/trail.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import { ConfigError, parseTenantsYaml } from '../../bot/config/load.js';
import { createLogger } from '../../bot/logger.js';
import { event } from '../helpers/audit.js';

const yaml = (audit: string) => `version: 1
tenants:
  - id: acme
    name: Acme
${audit}
  - id: globex
    name: Globex
`;

describe('tenant audit settings', () => {
  it('reads retentionDays, and no section means keep forever', () => {
    const [acme, globex] = parseTenantsYaml(yaml('    audit:\n      retentionDays: 30'), 't.yaml');
    expect(auditSettingsOf(acme as never)).toEqual({ retentionDays: 30 });
    expect(auditSettingsOf(globex as never)).toEqual({});
  });

  it.each([
    ['    audit:\n      retentionDays: 0', 'retentionDays must be at least 1'],
    ['    audit:\n      keep: forever', 'keep'],
  ])('refuses %j at load with the path', (section, message) => {
    expect(() => parseTenantsYaml(yaml(section), 't.yaml')).toThrow(ConfigError);
    expect(() => parseTenantsYaml(yaml(section), 't.yaml')).toThrow(
      new RegExp(`tenants\\[0\\]\\.audit.*${message}|${message}.*tenants\\[0\\]\\.audit`, 's'),
    );
  });
});

describe('retention run', () => {
  it('prunes only tenants with a retention period, behind a checkpoint, and both chains still verify', async () => {
    const tenants = parseTenantsYaml(yaml('    audit:\n      retentionDays: 30'), 't.yaml');
    const store = new EmbeddedAuditStore();
    const old = new AuditTrail(store, { now: () => new Date('2026-01-01T00:00:00Z') });
    for (const tenant of ['acme', 'globex']) for (let i = 0; i < 3; i++) await old.append(event(tenant));
    const trail = new AuditTrail(store, { now: () => new Date('2026-11-20T00:00:00Z') });
    await trail.append(event('acme'));
    await runRetention(trail, tenants, createLogger({ level: 'silent' }), new Date('2026-11-25T00:00:00Z'));
    expect((await store.range('acme', 0, 10)).map((r) => [r.seq, r.action])).toEqual([
      [4, 'command.received'],
      [5, 'audit.pruned'],
    ]);
    expect(await verifyChain(store, 'acme')).toMatchObject({ ok: true, anchoredBy: { seq: 5, prunedThroughSeq: 3 } });
    expect((await store.range('globex', 0, 10)).length).toBe(3);
  });

  it(
    'prunes the _system trail (security events) ' + 'to VOID_SYSTEM_AUDIT_RETENTION_DAYS, and keeps it when 0',
    async () => {
      const store = new EmbeddedAuditStore();
      const old = new AuditTrail(store, { now: () => new Date('2026-01-01T00:00:00Z') });
      for (let i = 0; i < 3; i++) await old.append(event(SYSTEM_TENANT));
      const trail = new AuditTrail(store, { now: () => new Date('2026-11-20T00:00:00Z') });
      const log = createLogger({ level: 'silent' });
      await runRetention(trail, [], log, new Date('2026-11-25T00:00:00Z'), 0);
      expect((await store.range(SYSTEM_TENANT, 0, 10)).length).toBe(3);
      await runRetention(trail, [], log, new Date('2026-11-25T00:00:00Z'), 90);
      expect((await store.range(SYSTEM_TENANT, 0, 10)).map((r) => [r.seq, r.action])).toEqual([[4, 'audit.pruned']]);
      expect(await verifyChain(store, SYSTEM_TENANT)).toMatchObject({ ok: true });
    },
  );
});
