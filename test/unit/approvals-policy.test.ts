// Policies without Redis: the quorum language, load-time errors with their paths, rule matching, default deny and
// the policy dry run.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  describeQuorum,
  filled,
  isMet,
  parseQuorum,
  remaining,
  wouldCount,
  type Candidate,
  type QuorumClause,
} from '../../approvals/quorum.js';
import { evaluate, explainPolicy } from '../../approvals/policy.js';
import { ConfigError, EXAMPLE_TENANTS_FILE, loadTenantsFile, parseTenantsYaml } from '../../bot/config/load.js';
import { parseCommand } from '../../bot/core/grammar.js';
import type { Tenant } from '../../bot/core/types.js';

function problems(text: string): string[] {
  try {
    parseTenantsYaml(text, 'policies.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const tenantWith = (
  rules: string,
  members = `
      - { id: alice, name: Alice, roles: [developer], identities: { slack: U0ALICE01 } }
      - { id: bob, name: Bob, roles: [tech_lead], identities: { slack: U0BOB0001 } }
      - { id: carol, name: Carol, roles: [devops], identities: { slack: U0CAROL01 } }`,
) => `version: 1
tenants:
  - id: acme
    name: Acme
    members:${members}
    policies:
      rules:
${rules}
`;

const clauses = (text: string): QuorumClause[] => {
  const parsed = parseQuorum(text);
  if (!parsed.ok) throw new Error(parsed.refusal.message);
  return parsed.clauses;
};
const person = (id: string, ...roles: Candidate['roles'][number][]): Candidate => ({ id, roles });

describe('quorum', () => {
  it('reads the quorum language and writes it back', () => {
    expect(clauses('1 tech_lead and 1 devops')).toEqual([
      { count: 1, roles: ['tech_lead'] },
      { count: 1, roles: ['devops'] },
    ]);
    expect(clauses('2 of tech_lead|devops')).toEqual([{ count: 2, roles: ['tech_lead', 'devops'] }]);
    expect(clauses('none')).toEqual([]);
    expect(describeQuorum(clauses('2 of tech_lead|devops and 1 compliance_officer'))).toBe(
      '2 of tech_lead|devops and 1 compliance_officer',
    );
    expect(parseQuorum('1 techlead')).toMatchObject({
      ok: false,
      refusal: {
        code: 'quorum.unknown_role',
        message:
          'unknown role "techlead" in quorum "1 techlead"; the roles are developer, tech_lead, devops, ' +
          'compliance_officer, admin',
      },
    });
    expect(parseQuorum('one of them').ok).toBe(false);
    expect(parseQuorum('0 devops').ok).toBe(false);
  });

  it('one person fills one place: N approvals mean N distinct people', () => {
    const q = clauses('1 tech_lead and 1 devops');
    const both = person('erin', 'tech_lead', 'devops');
    expect(isMet(q, [both])).toBe(false);
    expect(isMet(q, [both, both])).toBe(false);
    expect(isMet(q, [both, person('carol', 'devops')])).toBe(true);
    expect(remaining(q, [person('carol', 'devops')])).toBe('1 more approval from tech_lead');
    expect(wouldCount(q, [person('carol', 'devops')], person('dan', 'devops'))).toBe(false);
    expect(wouldCount(q, [person('carol', 'devops')], person('carol', 'tech_lead'))).toBe(false);
  });

  it('never counts more places than distinct people (property)', () => {
    const role = fc.constantFrom('developer', 'tech_lead', 'devops', 'compliance_officer', 'admin' as const);
    const people = fc.array(
      fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), roles: fc.uniqueArray(role, { maxLength: 3 }) }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(
        people,
        fc.constantFrom(
          '1 tech_lead and 1 devops',
          '2 of tech_lead|devops',
          '3 of tech_lead|devops|admin and 1 devops',
        ),
        (ps, text) => {
          expect(filled(clauses(text), ps)).toBeLessThanOrEqual(new Set(ps.map((p) => p.id)).size);
        },
      ),
    );
  });
});

describe('policies in the tenants file', () => {
  it('rejects an unknown role at load, with the path and the roles that exist', () => {
    const out = problems(tenantWith('        - { name: prod, action: deploy, quorum: 1 techlead and 1 devops }'));
    expect(out).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^policies\.yaml:\d+: tenants\[0\]\.policies\.rules\[0\]\.quorum: ` +
            'unknown role "techlead" in quorum "1 techlead and 1 devops"; ' +
            'the roles are developer, tech_lead, devops, compliance_officer, admin$',
        ),
      ),
    ]);
    expect(
      problems(tenantWith('        - { name: prod, action: deploy, quorum: none, cancel: [requester, boss] }'))[0],
    ).toContain('tenants[0].policies.rules[0].cancel[1]: unknown role "boss" in cancel');
    expect(problems(tenantWith('        - { name: prod, action: merge, quorum: none }'))[0]).toContain(
      'tenants[0].policies.rules[0].action',
    );
    expect(problems(tenantWith('        - { name: prod, action: deploy, quorum: none, ttl: 2 weeks }'))[0]).toContain(
      'expected a duration',
    );
  });

  it('reports a quorum that the members can never meet with the requester excluded, with the path', () => {
    const out = problems(
      tenantWith(
        '        - { name: prod, action: deploy, quorum: none }\n        - { name: two-leads, action: deploy, ' +
          'environment: production, quorum: 2 of tech_lead }',
      ),
    );
    expect(out).toEqual([
      expect.stringContaining(
        'tenants[0].policies.rules[1].quorum: rule "two-leads": the quorum "2 tech_lead" can never be met by the ' +
          'members of acme with the requester excluded (tech_lead: bob)',
      ),
    ]);
  });

  it('matches rules in order by action and target, and denies what no rule covers, naming it', () => {
    const [tenant] = loadTenantsFile(EXAMPLE_TENANTS_FILE) as [Tenant];
    const alice = tenant.members.find((m) => m.id === 'alice')!;
    expect(evaluate(tenant, { name: 'deploy', service: 'payments', environment: 'production' }, alice)).toMatchObject({
      kind: 'approval',
      rule: { name: 'production-deploys' },
    });
    expect(evaluate(tenant, { name: 'deploy', service: 'payments', environment: 'prod-eu' }, alice)).toMatchObject({
      kind: 'approval',
      rule: { name: 'production-deploys' },
    });
    expect(evaluate(tenant, { name: 'deploy', service: 'payments', environment: 'staging' }, alice)).toMatchObject({
      kind: 'approval',
      rule: { name: 'other-deploys' },
    });
    expect(evaluate(tenant, { name: 'status' }, alice)).toMatchObject({ kind: 'run' });
    const globex = loadTenantsFile(EXAMPLE_TENANTS_FILE)[1] as Tenant;
    const deny = evaluate(globex, { name: 'deploy', service: 'web', environment: 'production' }, globex.members[0]!);
    expect(deny).toMatchObject({ kind: 'deny', refusal: { code: 'approval.no_rule' } });
    expect(deny.kind === 'deny' && deny.refusal.message).toContain(
      'No approval rule in Globex Health covers "deploy web to production"',
    );
  });

  it(
    'policy explain: a dry run naming the rule, who could approve, ' + 'and an unmeetable quorum for this requester',
    () => {
      const [tenant] = loadTenantsFile(EXAMPLE_TENANTS_FILE) as [Tenant];
      const bob = tenant.members.find((m) => m.id === 'bob')!;
      const command = { name: 'deploy' as const, service: 'payments', environment: 'production' };
      const text = explainPolicy(tenant, command, bob);
      expect(text).toContain('Rule "production-deploys" (policies.rules[0]) applies');
      expect(text).toContain('It needs 1 tech_lead and 1 devops');
      expect(text).toContain(
        '⚠️ The quorum can never be met for Bob Lead: without the requester, tech_lead: nobody; devops: carol, erin',
      );
      expect(evaluate(tenant, command, bob)).toMatchObject({
        kind: 'deny',
        refusal: { code: 'approval.quorum_unmeetable' },
      });
      const alice = tenant.members.find((m) => m.id === 'alice')!;
      expect(explainPolicy(tenant, command, alice)).toContain(
        'Could approve: Bob Lead (developer, tech_lead); Carol Ops (devops); Erin Admin (admin, devops).',
      );
    },
  );
});

describe('grammar: approvals commands', () => {
  it('parses policy explain, breakglass and ack, and never throws on their fragments (property)', () => {
    expect(parseCommand('policy explain deploy payments to production --as bob')).toEqual({
      ok: true,
      command: {
        name: 'policy',
        sub: 'explain',
        command: { name: 'deploy', service: 'payments', environment: 'production' },
        as: 'bob',
      },
    });
    expect(parseCommand('breakglass ap-1 prod is down')).toEqual({
      ok: true,
      command: { name: 'breakglass', id: 'ap-1', reason: 'prod is down' },
    });
    expect(parseCommand('breakglass ap-1')).toMatchObject({
      ok: false,
      refusal: { params: { error: 'break-glass needs a reason after the request id' } },
    });
    expect(parseCommand('ack fu-1')).toEqual({ ok: true, command: { name: 'ack', id: 'fu-1' } });
    expect(parseCommand('ack')).toEqual({ ok: true, command: { name: 'ack' } });
    expect(parseCommand('policy explain approve x').ok).toBe(false);
    fc.assert(
      fc.property(
        fc
          .array(
            fc.constantFrom(
              'policy',
              'explain',
              '--as',
              'breakglass',
              'ack',
              'deploy',
              'x',
              'to',
              '__proto__',
              'review',
              'a/b#1',
              '',
            ),
          )
          .map((w) => w.join(' ')),
        (input) => {
          const result = parseCommand(input);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
