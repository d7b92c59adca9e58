// The system page shows the tenant's platform connections with the same credential checks as /readyz: a Teams app
// whose login host does not answer (every reply to Teams would be lost) is named there for the tenant's admins,
// not only in a log line.
import { afterEach, describe, expect, it } from 'vitest';
import { teamsModule } from '../../bot/teams/module.js';
import { consoleUser } from '../helpers/approvals.js';
import { signInByLink, startDashboardApp, type DashboardApp } from '../helpers/dashboard.js';
import { AAD, BOT_APP_PASSWORD, closedPort, startTeamsFakes, teamsEnv } from '../helpers/teams.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const bindTeams = (yaml: string) =>
  yaml.replace(
    '      github: { org: acme, installationId: 1001 }\n',
    `      github: { org: acme, installationId: 1001 }\n      teams: { tenantId: ${AAD.tenant} }\n`,
  );

describe('dashboard: system page platform connections', () => {
  it("names a failing Teams credential for the tenant's admins, beside its other bound platforms", async () => {
    const teams = await startTeamsFakes();
    cleanup.push(() => teams.close());
    const loginUrl = `http://127.0.0.1:${await closedPort()}/`;
    const t: DashboardApp = await startDashboardApp({
      modules: [teamsModule],
      env: { ...teamsEnv(teams.openId), MICROSOFT_LOGIN_URL: loginUrl },
      yaml: bindTeams,
    });
    cleanup.push(() => t.stop());
    const erin = await signInByLink(t, consoleUser('erin'));
    const page = await erin.request('/dashboard/t/acme/system');
    expect(page.status).toBe(200);
    const row = (platform: string) =>
      new RegExp(`<tr data-platform="${platform}">(.*?)</tr>`).exec(page.text)?.[1] ?? '';
    expect(row('teams')).toContain('data-status="failing"');
    expect(row('teams')).toMatch(
      /failing \(unreachable\).*the login host 127\.0\.0\.1:\d+ did not answer \(connection failed\)/,
    );
    expect(row('slack')).toContain('connected (no credential check for this platform)');
    expect(row('github')).toContain('connected');
    expect(row('jira')).toBe('');
    expect(page.text).not.toContain(BOT_APP_PASSWORD);
  });

  it('lists only the platforms bound to the tenant, and no failure when nothing fails', async () => {
    const t = await startDashboardApp();
    cleanup.push(() => t.stop());
    const erin = await signInByLink(t, consoleUser('erin'));
    const page = await erin.request('/dashboard/t/acme/system');
    expect(page.text).toContain('<caption>Platform connections</caption>');
    expect(page.text).toContain('<tr data-platform="slack">');
    expect(page.text).not.toContain('<tr data-platform="teams">');
    expect(page.text).not.toContain('data-status="failing"');
  });
});
