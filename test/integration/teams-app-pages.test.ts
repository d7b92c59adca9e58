// The pages the Teams app manifest links to: Void serves /privacy and /terms itself (Teams shows them on the app's
// page), or sends people to the operator's own pages when TEAMS_PRIVACY_URL / TEAMS_TERMS_URL are set.
import { afterEach, describe, expect, it } from 'vitest';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { interceptLogin, startTeamsFakes, teamsEnv } from '../helpers/teams.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  interceptLogin();
  const teams = await startTeamsFakes();
  cleanup.push(() => teams.close());
  const t = await startTestApp({
    config: testConfig({ env: { ...teamsEnv(teams.openId), ...env } }),
    modules: [teamsModule],
  });
  cleanup.push(() => t.stop());
  return t;
}

describe("the Teams app's privacy and terms pages", () => {
  it('are served by Void as plain pages saying what it records and whom to ask', async () => {
    const t = await start();
    const privacy = await fetch(`${t.url}/privacy`);
    expect(privacy.status).toBe(200);
    expect(privacy.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await privacy.text();
    expect(text).toContain('<h1>What Void records</h1>');
    expect(text).toContain("ask your organisation's Void administrator");
    const terms = await fetch(`${t.url}/terms`);
    expect(terms.status).toBe(200);
    expect(await terms.text()).toContain('<h1>Terms of use</h1>');
  });

  it("send people to the operator's own pages when they are configured", async () => {
    const t = await start({
      TEAMS_PRIVACY_URL: 'https://acme.example/legal/privacy',
      TEAMS_TERMS_URL: 'https://acme.example/legal/terms',
    });
    const privacy = await fetch(`${t.url}/privacy`, { redirect: 'manual' });
    expect(privacy.status).toBe(302);
    expect(privacy.headers.get('location')).toBe('https://acme.example/legal/privacy');
    expect((await fetch(`${t.url}/terms`, { redirect: 'manual' })).headers.get('location')).toBe(
      'https://acme.example/legal/terms',
    );
  });
});
