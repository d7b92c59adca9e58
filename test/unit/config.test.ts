import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_TENANTS_FILE, loadConfig, loadEnv, parseTenantsYaml } from '../../bot/config/load.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const member = (id: string, roles: string, slack: string) => `
      - id: ${id}
        name: ${id}
        roles: [${roles}]
        identities: { slack: ${slack} }`;

const tenantsYaml = (members: string, extra = '') => `version: 1
tenants:
  - id: acme
    name: Acme
    bindings: { slack: { teamIds: [T0ACME001] } }${extra}
    members:${members}
`;

describe('tenants file', () => {
  it('loads the shipped example', () => {
    const tenants = parseTenantsYaml(tenantsYaml(member('alice', 'developer', 'U1')), 'void.yaml');
    expect(tenants[0]).toMatchObject({ id: 'acme', members: [{ id: 'alice', roles: ['developer'] }] });
    expect(tenants[0]?.limits.concurrentJobs).toBeGreaterThan(0);
    const env = loadEnv({ VOID_TENANTS_FILE: EXAMPLE_TENANTS_FILE });
    expect(env.VOID_TENANTS_FILE).toBe(EXAMPLE_TENANTS_FILE);
    expect(loadConfig({ VOID_TENANTS_FILE: EXAMPLE_TENANTS_FILE }).tenants.map((t) => t.id)).toEqual([
      'acme',
      'globex',
    ]);
  });

  it('names file, line, path and the expected values for an unknown role', () => {
    const yaml = tenantsYaml(member('alice', 'developer', 'U1') + member('bob', 'release_manager', 'U2'));
    const [problem, ...rest] = problems(() => parseTenantsYaml(yaml, '/etc/void.yaml'));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^\/etc\/void\.yaml:\d+: tenants\[0\]\.members\[1\]\.roles\[0\]: /);
    expect(problem).toContain('"tech_lead"');
    expect(problem).toContain('"compliance_officer"');
    const line = Number(/:(\d+):/.exec(problem ?? '')?.[1]);
    expect(yaml.split('\n')[line - 1]).toContain('release_manager');
  });

  it('refuses one identity linked to two members', () => {
    const yaml = tenantsYaml(member('alice', 'developer', 'U1') + member('mallory', 'admin', 'U1'));
    const found = problems(() => parseTenantsYaml(yaml, 'void.yaml'));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('tenants[0].members[1].identities.slack[0]');
    expect(found[0]).toContain('already linked to member "alice"');
  });

  it('refuses the same GitHub login in two cases (logins are case-insensitive)', () => {
    const yaml = tenantsYaml(`
      - { id: a, name: A, roles: [developer], identities: { github: Octocat } }
      - { id: b, name: B, roles: [developer], identities: { github: octocat } }`);
    expect(problems(() => parseTenantsYaml(yaml, 'void.yaml'))[0]).toContain('already linked to member "a"');
  });

  it('refuses a tenant without an id', () => {
    const yaml = `tenants:\n  - name: Acme\n    members: []\n`;
    const found = problems(() => parseTenantsYaml(yaml, 'void.yaml'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^void\.yaml:2: tenants\[0\]\.id: .*expected string/i);
  });

  it('says a GitHub binding without an installation id needs one, instead of "received NaN"', () => {
    const yaml = `tenants:\n  - id: acme\n    name: Acme\n    bindings: { github: { org: acme } }\n    members: []\n`;
    const found = problems(() => parseTenantsYaml(yaml, 'void.yaml'));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(
      'tenants[0].bindings.github.installationId: required, a number: the GitHub App installation id',
    );
    expect(found[0]).not.toContain('NaN');
  });

  it('reports malformed YAML with its line and column', () => {
    const found = problems(() => parseTenantsYaml('tenants:\n  - id: acme\n    name: [unclosed\n', 'void.yaml'));
    expect(found[0]).toMatch(/^void\.yaml:\d+:\d+: malformed YAML: /);
  });

  it('refuses duplicate keys, unknown keys and one workspace bound to two tenants, all at once', () => {
    const yaml = `tenants:
  - id: acme
    name: Acme
    bindings: { slack: { teamIds: [T0SHARED1] } }
    colour: blue
  - id: globex
    name: Globex
    bindings: { slack: { teamIds: [T0SHARED1] } }
`;
    const found = problems(() => parseTenantsYaml(yaml, 'void.yaml'));
    expect(found.some((p) => p.includes('tenants[0]') && p.includes('colour'))).toBe(true);
    expect(found.some((p) => p.includes('tenants[1].bindings.slack.teamIds[0]') && p.includes('already bound'))).toBe(
      true,
    );
    expect(problems(() => parseTenantsYaml('tenants: []\ntenants: []\n', 'void.yaml'))[0]).toContain('malformed YAML');
  });

  it('names a missing tenants file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'void-config-'));
    expect(problems(() => loadConfig({ VOID_TENANTS_FILE: join(dir, 'nope.yaml') }))[0]).toContain('does not exist');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'tenants: {}\n');
    expect(problems(() => loadConfig({ VOID_TENANTS_FILE: bad }))[0]).toContain(`${bad}:1: tenants: `);
  });

  it('refuses to run a chat platform on the example tenants', () => {
    const found = problems(() => loadConfig({ SLACK_SIGNING_SECRET: 'abcd1234', VOID_TENANTS_FILE: undefined }));
    expect(found[0]).toMatch(/no tenants file, but slack is configured/);
  });
});

describe('environment', () => {
  it('reports every bad variable at once, by name and value', () => {
    const found = problems(() => loadEnv({ PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' }));
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toContain('environment variable PORT');
    expect(found.join('\n')).toContain('got "abc"');
    expect(found.join('\n')).toContain('environment variable REDIS_URL');
    expect(found.join('\n')).toContain('environment variable LOG_LEVEL');
  });

  it('never echoes the value of a secret variable', () => {
    const found = problems(() => loadEnv({ GITHUB_APP_ID: 'not-a-number-but-secretish', SLACK_API_URL: 'nope' }));
    expect(found.join('\n')).toContain('GITHUB_APP_ID');
    const secret = problems(() => loadEnv({ VOID_MAX_BODY_BYTES: '1', OPENAI_API_KEY: '' }));
    expect(secret.join('\n')).not.toContain('sk-');
  });

  it('uses the documented defaults', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.MONGODB_URL).toBeUndefined();
    expect(env.VOID_KEY_PREFIX).toBe('void');
  });
});
