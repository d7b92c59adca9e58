// `void doctor` with two JIRA tenants: each tenant's own credentials are checked against its own site only, so one
// tenant's API token never reaches another tenant's site; JIRA's sites are faked behind nock (the real HTTP path).
import { Writable } from 'node:stream';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../bot/doctor.js';
import { REDIS_URL } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import { FakeJira, JIRA_ENV, JIRA_TENANTS, JIRA_TOKEN } from '../helpers/jira.js';

const GLOBEX_TOKEN = 'ATATT3xFfGF0-test-api-token-globex-1234567890';

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
  const code = await runDoctor({
    out: sink,
    raw: { REDIS_URL, VOID_TENANTS_FILE: tempTenantsFile(JIRA_TENANTS), ...env },
  });
  return { code, out };
}

const basic = (email: string, token: string) => `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

describe('void doctor and JIRA', () => {
  it("checks each tenant's own credentials against its own site, never another's", async () => {
    const acme = new FakeJira().install();
    const globex = new FakeJira('https://globex.atlassian.net').install();
    const { code, out } = await doctor({
      ...JIRA_ENV,
      JIRA_EMAIL_GLOBEX: 'void-bot@globex.example',
      JIRA_API_TOKEN_GLOBEX: GLOBEX_TOKEN,
    });
    expect(acme.myselfCalls.map((c) => [c.path, c.authorization])).toEqual([
      ['/rest/api/3/myself', basic('void-bot@acme.example', JIRA_TOKEN)],
    ]);
    expect(globex.myselfCalls.map((c) => [c.path, c.authorization])).toEqual([
      ['/rest/api/3/myself', basic('void-bot@globex.example', GLOBEX_TOKEN)],
    ]);
    expect(out).toContain(
      '✔ jira acme (https://acme.atlassian.net): signed in as Void bot on https://acme.atlassian.net',
    );
    expect(out).toContain(
      '✔ jira globex (https://globex.atlassian.net): signed in as Void bot on https://globex.atlassian.net',
    );
    expect(out).not.toContain(JIRA_TOKEN);
    expect(out).not.toContain(GLOBEX_TOKEN);
    expect(code).toBe(0);
    nock.cleanAll();
  });

  it(
    'a tenant without its own credentials is told which variables to set, ' + 'and nothing is sent to its site',
    async () => {
      const globex = new FakeJira('https://globex.atlassian.net').install();
      new FakeJira().install();
      const { out } = await doctor(JIRA_ENV);
      expect([...globex.calls, ...globex.myselfCalls]).toEqual([]);
      expect(out).toContain('! jira globex (https://globex.atlassian.net): no API credentials');
      expect(out).toContain('fix: Set JIRA_EMAIL_GLOBEX and JIRA_API_TOKEN_GLOBEX');
      nock.cleanAll();
    },
  );
});
