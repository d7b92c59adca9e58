// `void check-config` (the real binary): a shared JIRA webhook secret for two JIRA sites is refused with the
// explanation and the fix, exit code non-zero, and the secret's value is never printed.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempTenantsFile } from '../helpers/deploy.js';
import { JIRA_TENANTS } from '../helpers/jira.js';

const BIN = fileURLToPath(new URL('../../bin/void.mjs', import.meta.url));

function checkConfig(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MONGODB_URL|VOID_|SLACK_|GITHUB_|JIRA_|MICROSOFT_|TEAMS_)/.test(k)),
  ) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'check-config'],
      { env: { ...base, LOG_LEVEL: 'silent', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('void check-config and JIRA secrets', () => {
  it(
    'refuses JIRA_WEBHOOK_SECRET shared by two JIRA tenants, ' +
      'explaining why and how to fix it; accepts one secret each',
    async () => {
      const file = tempTenantsFile(JIRA_TENANTS);
      const shared = await checkConfig({ VOID_TENANTS_FILE: file, JIRA_WEBHOOK_SECRET: 'shared-secret-value-0123' });
      expect(shared.code).not.toBe(0);
      expect(shared.output).toContain(
        'JIRA_WEBHOOK_SECRET is one webhook secret shared by every JIRA site, but 2 tenants bind JIRA (acme, globex)',
      );
      expect(shared.output).toContain(
        "point each site's webhook at https://<your Void host>/jira/webhooks/<tenant id>",
      );
      expect(shared.output).not.toContain('shared-secret-value-0123');
      const own = await checkConfig({
        VOID_TENANTS_FILE: file,
        JIRA_WEBHOOK_SECRET_ACME: 'acme-secret-0123',
        JIRA_WEBHOOK_SECRET_GLOBEX: 'globex-secret-0456',
      });
      expect([own.code, own.output]).toEqual([0, expect.stringContaining('Configuration OK: 2 tenant(s)')]);
    },
  );
});
