import { describe, expect, it } from 'vitest';
import { TenantRegistry } from '../../bot/core/registry.js';
import { parseTenantsYaml } from '../../bot/config/load.js';
import { EXAMPLE_YAML } from '../helpers/app.js';

const registry = new TenantRegistry(parseTenantsYaml(EXAMPLE_YAML, 'example.yaml'));

describe('tenancy and identity', () => {
  it('resolves the same person from every platform', () => {
    const viaSlack = registry.resolve('slack', 'T0ACME001', 'U0ALICE01');
    const viaGithub = registry.resolve('github', '1001', 'Alice');
    const viaBot = registry.resolve('github', '1001', 'alice-ci-bot');
    const viaTeams = registry.resolve(
      'teams',
      '72f988bf-0000-4000-8000-00000000ACME',
      '00000000-0000-4000-8000-0000000a11ce',
    );
    const viaJira = registry.resolve('jira', 'https://acme.atlassian.net/', '5b10a2844c20165700ede21a');
    for (const r of [viaSlack, viaGithub, viaBot, viaTeams, viaJira]) {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.actor).toMatchObject({ tenantId: 'acme', memberId: 'alice', roles: ['developer'] });
    }
    if (viaBot.ok) expect(viaBot.actor.platformUserId).toBe('alice-ci-bot');
  });

  it('refuses an unknown workspace without naming any tenant', () => {
    const r = registry.resolve('slack', 'T0NOBODY1', 'U0ALICE01');
    expect(r).toMatchObject({ ok: false, refusal: { code: 'identity.unknown_workspace' } });
    if (!r.ok) expect(r.refusal.message).not.toMatch(/acme|globex/i);
  });

  it('refuses an unknown person politely and says whom to ask', () => {
    const r = registry.resolve('slack', 'T0ACME001', 'U0STRANGER');
    expect(r).toMatchObject({ ok: false, refusal: { code: 'identity.unknown_user' } });
    if (!r.ok) expect(r.refusal.message).toContain('Erin Admin');
  });

  it("never resolves a member of one tenant through another tenant's workspace", () => {
    expect(registry.resolve('slack', 'T0ACME001', 'U0GINA001').ok).toBe(false);
    expect(registry.resolve('slack', 'T0GLOBEX1', 'U0ALICE01').ok).toBe(false);
    expect(registry.resolve('github', '2002', 'alice').ok).toBe(false);
    expect(registry.resolve('console', 'globex', 'alice').ok).toBe(false);
    const gina = registry.resolve('console', 'globex', 'gina');
    expect(gina.ok && gina.actor.tenantId).toBe('globex');
  });

  it("does not treat an identity of one platform as another platform's", () => {
    expect(registry.resolve('github', '1001', 'U0ALICE01').ok).toBe(false);
    expect(registry.resolve('slack', 'T0ACME001', 'alice').ok).toBe(false);
  });
});
