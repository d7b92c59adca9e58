// Per-tenant JIRA credentials: read by the config module only, resolved per tenant with a deployment-wide default,
// and every API token is on the list of secrets scrubbed from logs.
import { describe, expect, it } from 'vitest';
import { jiraCredentialsFor, secretValues } from '../../bot/config/env.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadEnv } from '../../bot/config/load.js';
import { captureLogger } from '../helpers/app.js';

const raw = {
  JIRA_EMAIL_ACME: 'void@acme.example',
  JIRA_API_TOKEN_ACME: 'ATATT-acme-token-0001',
  JIRA_EMAIL_ACME_EU: 'void@acme.eu.example',
  JIRA_API_TOKEN_ACME_EU: 'ATATT-acme-eu-token-0002',
  JIRA_EMAIL_HALF: 'only-an-email@example.com',
  JIRA_EMAIL: 'default@example.com',
  JIRA_API_TOKEN: 'ATATT-default-token-0003',
  JIRA_API_TOKEN_lower: 'ignored: not an upper-case tenant suffix',
};

describe('JIRA credentials per tenant', () => {
  const env = loadEnv(raw);

  it('uses the tenant\'s own pair, "-" written as "_", else the deployment default; never half a pair', () => {
    expect(jiraCredentialsFor(env, 'acme')).toEqual({ email: 'void@acme.example', apiToken: 'ATATT-acme-token-0001' });
    expect(jiraCredentialsFor(env, 'acme-eu')).toEqual({
      email: 'void@acme.eu.example',
      apiToken: 'ATATT-acme-eu-token-0002',
    });
    expect(jiraCredentialsFor(env, 'globex')).toEqual({
      email: 'default@example.com',
      apiToken: 'ATATT-default-token-0003',
    });
    expect(jiraCredentialsFor(env, 'half')).toBeUndefined();
    expect(jiraCredentialsFor(loadEnv({}), 'acme')).toBeUndefined();
  });

  it('lists every API token as a secret, and the logger scrubs them by value', () => {
    const secrets = secretValues(env);
    for (const token of ['ATATT-acme-token-0001', 'ATATT-acme-eu-token-0002', 'ATATT-default-token-0003'])
      expect(secrets).toContain(token);
    expect(secrets).not.toContain('void@acme.example');
    const { log, lines } = captureLogger(secrets);
    log.warn({ err: new Error('JIRA said no to ATATT-acme-eu-token-0002') }, 'token ATATT-acme-token-0001 leaked?');
    expect(lines.join('')).not.toMatch(/ATATT-acme/);
  });
});

describe('check-config: JIRA secrets are per tenant', () => {
  const dir = mkdtempSync(join(tmpdir(), 'void-jira-config-'));
  const file = (yaml: string) => {
    const path = join(dir, `t-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, yaml);
    return path;
  };
  const twoSites = (acmeExtra = '', globexExtra = '') =>
    file(`tenants:
  - id: acme
    name: Acme
    bindings: { jira: { siteUrl: https://acme.atlassian.net, projectKeys: [PAY]${acmeExtra} } }
  - id: globex
    name: Globex
    bindings: { jira: { siteUrl: https://globex.atlassian.net${globexExtra} } }
`);
  const problems = (raw: Record<string, string>): string[] => {
    try {
      loadConfig(raw);
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  };
  const own = {
    JIRA_WEBHOOK_SECRET_ACME: 'acme-site-secret-0001',
    JIRA_WEBHOOK_SECRET_GLOBEX: 'globex-site-secret-0002',
  };

  it(
    'accepts one secret per tenant, ' +
      'by convention or by the name bindings.jira gives, and says which site has none',
    () => {
      expect(problems({ VOID_TENANTS_FILE: twoSites(), ...own })).toEqual([]);
      const named = twoSites(', webhookSecretEnv: JIRA_WEBHOOK_SECRET_PAYMENTS');
      expect(
        problems({
          VOID_TENANTS_FILE: named,
          JIRA_WEBHOOK_SECRET_PAYMENTS: 'acme-site-secret-0001',
          JIRA_WEBHOOK_SECRET_GLOBEX: 'x-globex-0002',
        }),
      ).toEqual([]);
      const config = loadConfig({ VOID_TENANTS_FILE: twoSites(), JIRA_WEBHOOK_SECRET_ACME: 'acme-site-secret-0001' });
      expect(config.notices.join('\n')).toContain(
        'Tenant "globex" binds the JIRA site https://globex.atlassian.net but JIRA_WEBHOOK_SECRET_GLOBEX is not ' +
          'set: every webhook delivery for it is refused.',
      );
    },
  );

  it('refuses the shared JIRA_WEBHOOK_SECRET with two JIRA tenants, and says what to do instead', () => {
    const [problem, ...rest] = problems({
      VOID_TENANTS_FILE: twoSites(),
      JIRA_WEBHOOK_SECRET: 'one-secret-for-all-0003',
    });
    expect(rest).toEqual([]);
    expect(problem).toContain(
      'JIRA_WEBHOOK_SECRET is one webhook secret shared by every JIRA site, but 2 tenants bind JIRA (acme, globex)',
    );
    expect(problem).toContain('JIRA_WEBHOOK_SECRET_ACME=…, JIRA_WEBHOOK_SECRET_GLOBEX=…');
    expect(problem).toContain('/jira/webhooks/<tenant id>');
    expect(problem).not.toContain('one-secret-for-all-0003');
  });

  it('refuses a JIRA Cloud site URL with a path, naming the origin to use; a Data Center context path is kept', () => {
    const withPath = file(
      'tenants:\n  - id: acme\n    name: Acme\n    bindings: { jira: { siteUrl: ' +
        'https://acme.atlassian.net/jira/software } }\n',
    );
    expect(() => loadConfig({ VOID_TENANTS_FILE: withPath })).toThrow(
      new RegExp(
        String.raw`tenants\[0\]\.bindings\.jira\.siteUrl: a JIRA Cloud site is just the origin: ` +
          String.raw`use https:\/\/acme\.atlassian\.net \(not https:\/\/acme\.atlassian\.net\/jira\/software\)`,
      ),
    );
    const query = file(
      'tenants:\n  - id: acme\n    name: Acme\n    bindings: { jira: { siteUrl: ' +
        '"https://jira.acme.example/jira?x=1" } }\n',
    );
    expect(() => loadConfig({ VOID_TENANTS_FILE: query })).toThrow(
      /siteUrl: a JIRA site URL has no query or fragment: use https:\/\/jira\.acme\.example\/jira/,
    );
    const dataCenter = file(
      'tenants:\n  - id: acme\n    name: Acme\n    bindings: { jira: { siteUrl: https://jira.acme.example/jira } }\n',
    );
    expect(loadConfig({ VOID_TENANTS_FILE: dataCenter }).tenants[0]?.bindings.jira?.siteUrl).toBe(
      'https://jira.acme.example/jira',
    );
  });

  it('keeps the shared secret for a deployment that serves one JIRA site', () => {
    const single = file(
      'tenants:\n  - id: acme\n    name: Acme\n    bindings: { jira: { siteUrl: https://acme.atlassian.net } }\n',
    );
    expect(
      problems({
        VOID_TENANTS_FILE: single,
        JIRA_WEBHOOK_SECRET: 'one-secret-0004',
        JIRA_EMAIL: 'bot@acme.example',
        JIRA_API_TOKEN: 'ATATT-one-0005',
      }),
    ).toEqual([]);
  });

  it('names every other mistake precisely, never printing a value', () => {
    const found = problems({
      VOID_TENANTS_FILE: twoSites(', apiTokenEnv: JIRA_API_TOKEN_PAYMENTS'),
      JIRA_WEBHOOK_SECRET_ACME: 'the-same-secret-0006',
      JIRA_WEBHOOK_SECRET_GLOBEX: 'the-same-secret-0006',
      JIRA_EMAIL_GLOBEX: 'bot@globex.example',
    });
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`tenants\[0\]\.bindings\.jira \(tenant "acme"\): ` +
            'apiTokenEnv names JIRA_API_TOKEN_PAYMENTS, which is not set in the environment$',
        ),
      ),
      expect.stringMatching(
        new RegExp(
          String.raw`tenants\[1\]\.bindings\.jira \(tenant "globex"\): ` +
            'JIRA_EMAIL_GLOBEX is set but JIRA_API_TOKEN_GLOBEX is not: ' +
            String.raw`Void needs both to call https:\/\/globex\.atlassian\.net$`,
        ),
      ),
      'tenants "acme" and "globex" have the same JIRA webhook secret: each site could then act for the other. ' +
        'Give every tenant its own (a new random webhook secret; an API token of an account of that site).',
    ]);
    expect(found.join('\n')).not.toContain('the-same-secret-0006');
  });

  it('refuses deployment-wide API credentials for two sites, and a secret written into the tenants file', () => {
    const shared = problems({
      VOID_TENANTS_FILE: twoSites(),
      ...own,
      JIRA_EMAIL: 'bot@example.com',
      JIRA_API_TOKEN: 'ATATT-shared-0007',
    });
    expect(shared).toEqual([
      expect.stringContaining(
        'JIRA_EMAIL/JIRA_API_TOKEN would be sent to 2 JIRA sites (tenants acme, globex): ' +
          'the deployment-wide credentials may serve one site only.',
      ),
    ]);
    const inline = problems({
      VOID_TENANTS_FILE: twoSites(', webhookSecret: s3cr3t-in-yaml', ', webhookSecretEnv: the-secret-itself'),
      ...own,
    });
    expect(inline.join('\n')).toContain(
      'tenants[0].bindings.jira.webhookSecret: the tenants file never holds JIRA secrets or credentials: ' +
        'put the value in an environment variable and name it here with webhookSecretEnv: ' +
        'JIRA_WEBHOOK_SECRET_<TENANT>',
    );
    expect(inline.join('\n')).toContain(
      'tenants[1].bindings.jira.webhookSecretEnv: expected the NAME of an environment variable like ' +
        'JIRA_WEBHOOK_SECRET_ACME',
    );
    expect(inline.join('\n')).not.toContain('s3cr3t-in-yaml');
  });

  it('lists webhook secrets among the values scrubbed from logs', () => {
    expect(secretValues(loadEnv(own))).toEqual(
      expect.arrayContaining(['acme-site-secret-0001', 'globex-site-secret-0002']),
    );
  });
});
