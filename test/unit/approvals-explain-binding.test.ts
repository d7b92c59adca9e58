// `policy explain` says what an approval would be bound to (commit, ticket text), what happens when the target moves
// (onTargetMoved), whether authors may approve (authorsMayApprove), status-check waivers and the write boundary.
import { describe, expect, it } from 'vitest';
import { explainPolicy } from '../../approvals/policy.js';
import { ConfigError, parseTenantsYaml } from '../../bot/config/load.js';
import type { Tenant } from '../../bot/core/types.js';

const yaml = `version: 1
tenants:
  - id: acme
    name: Acme
    members:
      - { id: alice, name: Alice, roles: [developer], identities: { slack: U0ALICE01 } }
      - { id: bob, name: Bob, roles: [tech_lead], identities: { slack: U0BOB0001 } }
    policies:
      repositories: { PAY: acme/payments }
      rules:
        - { name: prod, action: deploy, environment: production, quorum: 1 tech_lead }
        - { name: stage, action: deploy, environment: staging, quorum: 1 tech_lead, onTargetMoved: keep-pinned,
            waiveStatusChecks: true, authorsMayApprove: true }
        - { name: code, action: implement, quorum: 1 tech_lead, writePaths: [src/, test/] }
`;

const [tenant] = parseTenantsYaml(yaml, 'explain.yaml') as [Tenant];
const alice = tenant.members[0]!;

describe('policy explain shows the binding', () => {
  it('deploy to production: pinned commit, void on move (the default), checks honoured, authors excluded', () => {
    const text = explainPolicy(tenant, { name: 'deploy', service: 'payments', environment: 'production' }, alice);
    expect(text).toContain(
      'Bound to: the repository, the environment and the commit the default branch points at when requested ' +
        '(plus the parameters); that commit is what deploys.',
    );
    expect(text).toContain(
      'If the ref moves before the quorum is met: the request is void (onTargetMoved: void), ' +
        'the default for this environment.',
    );
    expect(text).toContain("The repository's required status checks must pass.");
    expect(text).toContain('Authors of the change may not approve it (authorsMayApprove: false)');
  });

  it('a rule that keeps the pinned commit, waives checks and lets authors approve says each', () => {
    const text = explainPolicy(
      tenant,
      { name: 'deploy', service: 'payments', environment: 'staging', ref: 'v2' },
      alice,
    );
    expect(text).toContain('the commit v2 points at when requested');
    expect(text).toContain('the pinned commit still deploys (onTargetMoved: keep-pinned).');
    expect(text).toContain('⚠️ Required status checks are waived (waiveStatusChecks: true).');
    expect(text).toContain('Authors of the change may approve it (authorsMayApprove: true).');
  });

  it('implement: the mapped repository, the ticket digest and the write boundary', () => {
    const text = explainPolicy(tenant, { name: 'implement', ticket: 'PAY-3' }, alice);
    expect(text).toContain('Repository: acme/payments (policies.repositories maps project PAY to it).');
    expect(text).toContain(
      'Bound to: ticket PAY-3 (summary, description, acceptance criteria) and acme/payments; ' +
        'editing the ticket voids the request.',
    );
    expect(text).toContain('The agent may write only under: src/, test/; never CI or build configuration.');
    expect(explainPolicy(tenant, { name: 'implement', ticket: 'OPS-3' }, alice)).toContain(
      '⚠️ No repository: "implement OPS-3" names none and policies.repositories maps none to OPS',
    );
  });

  it('rejects a bad onTargetMoved and a write path that is not a folder, with their paths', () => {
    const bad = yaml
      .replace('onTargetMoved: keep-pinned', 'onTargetMoved: sometimes')
      .replace('writePaths: [src/, test/]', 'writePaths: [../etc]');
    try {
      parseTenantsYaml(bad, 'explain.yaml');
      throw new Error('expected a ConfigError');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      expect(error.problems.join('\n')).toContain('tenants[0].policies.rules[1].onTargetMoved');
      expect(error.problems.join('\n')).toContain(
        'tenants[0].policies.rules[2].writePaths[0]: expected a folder ending in "/"',
      );
    }
  });
});
