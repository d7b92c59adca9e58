// A flood of badly signed requests (RELIABILITY.md 1, 4; issue 14 item 7): every one is refused with 401, and the
// `_system` trail gains at most two records per source and minute (the first at once, then one with the count),
// however many requests come, instead of one record per request.
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { captureAppLogger, testConfig } from '../helpers/app.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, githubEnv, prComment, TOKEN } from '../helpers/github.js';
import { GITHUB_TENANTS, processorsModule, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(running.map((t) => t.stop()));
  running = [];
});

describe('a flood of bad signatures', () => {
  it('gets 401 each, and a few _system records that count them all', async () => {
    const t = await startGithubApp();
    running.push(t);
    const body = JSON.stringify(prComment('/void review'));
    const flood = 300;
    const statuses: number[] = [];
    for (let batch = 0; batch < flood / 50; batch++) {
      const sent = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          deliver(t.url, 'issue_comment', undefined, { raw: body, secret: `wrong-${batch}-${i}` }),
        ),
      );
      statuses.push(...sent.map((s) => s.status));
    }
    expect(statuses).toEqual(Array.from({ length: flood }, () => 401));
    await t.app.audit.security.flush();
    const system = await t.app.audit.store.range(SYSTEM_TENANT, 1, 1000);
    expect(system.every((r) => r.action === 'security.bad_signature')).toBe(true);
    // Two per minute: the flood may straddle one minute boundary.
    expect(system.length).toBeGreaterThanOrEqual(2);
    expect(system.length).toBeLessThanOrEqual(4);
    expect(system.reduce((sum, r) => sum + Number(r.details?.count), 0)).toBe(flood);
    expect(system.filter((r) => r.details?.summary).flatMap((r) => Object.keys(r.details?.codes as object))).toEqual(
      system.filter((r) => r.details?.summary).map(() => 'mismatch'),
    );
  });
});

describe('secrets obtained at run time', () => {
  it(
    'a GitHub installation token fetched while handling a ' + 'comment never appears in the log, wherever it is logged',
    async () => {
      const config = testConfig({ yaml: GITHUB_TENANTS, env: githubEnv() });
      const { log, lines } = captureAppLogger(config);
      const t = await startGithubApp({
        modules: [processorsModule({ review: () => async () => ({ summary: 'reviewed' }) })],
        log,
      });
      running.push(t);
      const api = fakeGithubApi();
      expect((await deliver(t.url, 'issue_comment', prComment('/void review'))).status).toBe(202);
      await t.github.idle();
      expect(api.tokenCalls()).toBeGreaterThan(0);
      // Something upstream echoes the token into an error that Void logs.
      log.warn({ err: new Error(`GitHub said: bad credentials ${TOKEN}`) }, `request with token ${TOKEN} failed`);
      await new Promise((r) => setTimeout(r, 20));
      expect(lines.join('')).toContain('request with token [REDACTED] failed');
      expect(lines.join('')).not.toContain(TOKEN);
    },
  );
});
