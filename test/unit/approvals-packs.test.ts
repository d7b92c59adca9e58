// The shipped policy packs load and validate, and govern what they claim to govern.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, explainPolicy } from '../../approvals/policy.js';
import { policiesOf } from '../../approvals/policy.schema.js';
import { loadTenantsFile } from '../../bot/config/load.js';
import type { ActionCommand } from '../../bot/core/grammar.js';
import type { Tenant } from '../../bot/core/types.js';

const pack = (name: string): Tenant => {
  const [tenant] = loadTenantsFile(join(import.meta.dirname, '../../examples/policies', `${name}.yaml`));
  if (!tenant) throw new Error(`${name}.yaml has no tenant`);
  return tenant;
};

function ruleFor(tenant: Tenant, command: ActionCommand, requester = tenant.members[0]!): string {
  const decision = evaluate(tenant, command, requester);
  return decision.kind === 'approval'
    ? `${decision.rule.name}: ${decision.rule.quorum.map((c) => `${c.count} ${c.roles.join('|')}`).join(' + ')}`
    : decision.kind === 'run'
      ? 'run'
      : decision.refusal.code;
}

describe('policy packs', () => {
  it('no pack lets the author of a change approve it, and production deploys void on a moved ref', () => {
    for (const name of ['finance', 'healthcare', 'ecommerce']) {
      const rules = policiesOf(pack(name)).rules;
      expect(rules.filter((r) => r.authorsMayApprove !== false).map((r) => `${name}:${r.name}`)).toEqual([]);
      expect(
        rules
          .filter((r) => r.environment?.includes('production') && r.onTargetMoved !== 'void')
          .map((r) => `${name}:${r.name}`),
      ).toEqual([]);
    }
  });

  it('finance (SOX): financial systems in production need a compliance sign-off too', () => {
    const t = pack('finance');
    expect(ruleFor(t, { name: 'deploy', service: 'ledger-api', environment: 'production' })).toBe(
      'sox-financial-production: 1 tech_lead + 1 devops + 1 compliance_officer',
    );
    expect(ruleFor(t, { name: 'deploy', service: 'web', environment: 'prod-eu' })).toBe(
      'sox-production: 1 tech_lead + 1 devops',
    );
    expect(ruleFor(t, { name: 'implement', ticket: 'FIN-1', repo: { owner: 'fincorp', name: 'ledger-core' } })).toBe(
      'sox-agent-code-financial: 2 tech_lead',
    );
    expect(ruleFor(t, { name: 'status' })).toBe('run');
    expect(
      explainPolicy(
        t,
        { name: 'implement', ticket: 'FIN-1', repo: { owner: 'fincorp', name: 'ledger-core' } },
        t.members.find((m) => m.id === 'lee')!,
      ),
    ).toContain('can never be met for Lee Lead');
  });

  it('healthcare (HIPAA): PHI systems and PHI repositories need a compliance officer', () => {
    const t = pack('healthcare');
    expect(ruleFor(t, { name: 'deploy', service: 'ehr-gateway', environment: 'production' })).toBe(
      'hipaa-phi-production: 1 tech_lead + 1 devops + 1 compliance_officer',
    );
    expect(ruleFor(t, { name: 'implement', ticket: 'MED-9', repo: { owner: 'medica', name: 'phi-store' } })).toBe(
      'hipaa-agent-code-phi: 1 tech_lead + 1 compliance_officer',
    );
    expect(ruleFor(t, { name: 'deploy', service: 'ehr-gateway', environment: 'qa' })).toBe(
      'non-production: 1 tech_lead|devops',
    );
  });

  it('e-commerce (PCI): the cardholder data environment needs two distinct people; staging runs at once', () => {
    const t = pack('ecommerce');
    expect(ruleFor(t, { name: 'deploy', service: 'checkout', environment: 'production' })).toBe(
      'pci-cde-production: 1 tech_lead + 1 devops',
    );
    expect(ruleFor(t, { name: 'deploy', service: 'catalog', environment: 'production' })).toBe(
      'production: 1 tech_lead|devops',
    );
    expect(ruleFor(t, { name: 'deploy', service: 'checkout', environment: 'staging' })).toBe('run');
    expect(ruleFor(t, { name: 'triage', ticket: 'SHOP-1' })).toBe('run');
  });
});
