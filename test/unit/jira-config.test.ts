// Per-tenant JIRA credentials: read by the config module only, resolved per tenant with a deployment-wide default,
// and every API token is on the list of secrets scrubbed from logs.
import { describe, expect, it } from 'vitest';
import { jiraCredentialsFor, secretValues } from '../../bot/config/env.js';
import { loadEnv } from '../../bot/config/load.js';
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
    expect(jiraCredentialsFor(env, 'acme-eu')).toEqual({ email: 'void@acme.eu.example', apiToken: 'ATATT-acme-eu-token-0002' });
    expect(jiraCredentialsFor(env, 'globex')).toEqual({ email: 'default@example.com', apiToken: 'ATATT-default-token-0003' });
    expect(jiraCredentialsFor(env, 'half')).toBeUndefined();
    expect(jiraCredentialsFor(loadEnv({}), 'acme')).toBeUndefined();
  });

  it('lists every API token as a secret, and the logger scrubs them by value', () => {
    const secrets = secretValues(env);
    for (const token of ['ATATT-acme-token-0001', 'ATATT-acme-eu-token-0002', 'ATATT-default-token-0003']) expect(secrets).toContain(token);
    expect(secrets).not.toContain('void@acme.example');
    const { log, lines } = captureLogger(secrets);
    log.warn({ err: new Error('JIRA said no to ATATT-acme-eu-token-0002') }, 'token ATATT-acme-token-0001 leaked?');
    expect(lines.join('')).not.toMatch(/ATATT-acme/);
  });
});
