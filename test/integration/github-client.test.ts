// The outbound client against the GitHub REST API intercepted with nock: App installation tokens (cached), rate
// limits and server errors retried with backoff. Its side effects: github-client-retried and -create.test.ts.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTenantsYaml } from '../../bot/config/load.js';
import { TenantRegistry } from '../../bot/core/registry.js';
import { createLogger } from '../../bot/logger.js';
import { GithubClient } from '../../integrations/github/client.js';
import { FAST_TUNING, GITHUB_API, githubEnv, TOKEN, tokenScope } from '../helpers/github.js';
import { captureAppLogger, captureLogger, testConfig } from '../helpers/app.js';
import { GITHUB_TENANTS } from '../helpers/github-app.js';
import { client, creds, pr, repo } from '../helpers/github-client.js';

afterEach(() => {
  nock.cleanAll();
});

describe('App authentication', () => {
  it('exchanges the App JWT for an installation token once and reuses it until it expires', async () => {
    const token = tokenScope();
    const api = nock(GITHUB_API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get('/repos/acme/api/pulls/7')
      .times(3)
      .reply(200, pr);
    const gh = client();
    for (let i = 0; i < 3; i++) expect((await gh.getPullRequest('acme', repo, 7)).headSha).toBe('a'.repeat(40));
    expect(token.calls()).toBe(1);
    expect(api.isDone()).toBe(true);
  });

  it('refuses a tenant without a GitHub installation clearly', async () => {
    const yaml = GITHUB_TENANTS.replace('    bindings:\n      github: { org: globex, installationId: 2002 }\n', '');
    const gh = new GithubClient(
      creds,
      new TenantRegistry(parseTenantsYaml(yaml, 't.yaml')),
      createLogger({ level: 'silent' }),
      FAST_TUNING,
    );
    await expect(gh.getPullRequest('globex', repo, 7)).rejects.toMatchObject({ code: 'github.no_installation' });
  });
});

describe('rate limits and server errors', () => {
  it('waits out a secondary rate limit (403) for at least 60 "seconds" and retries', async () => {
    tokenScope();
    const { log, lines } = captureAppLogger(testConfig({ env: githubEnv() }));
    const scope = nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .reply(
        403,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        { 'retry-after': '3' },
      )
      .get('/repos/acme/api/pulls/7')
      .reply(200, pr);
    // Throttling on, with 5 ms standing for one second: 60 "seconds" = 300 ms.
    const gh = client({ ...FAST_TUNING, throttleEnabled: true, rateLimitBaseMs: 5 }, log);
    const started = Date.now();
    expect((await gh.getPullRequest('acme', repo, 7)).number).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(scope.isDone()).toBe(true);
    expect(lines.join('')).toContain('GitHub secondary rate limit; pausing this installation');
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('waits for the primary rate limit to reset (x-ratelimit-remaining: 0) and retries', async () => {
    tokenScope();
    const { log, lines } = captureLogger();
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    const scope = nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .reply(
        403,
        { message: 'API rate limit exceeded for installation ID 1001.' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      )
      .get('/repos/acme/api/pulls/7')
      .reply(200, pr);
    const gh = client({ ...FAST_TUNING, throttleEnabled: true, rateLimitBaseMs: 5 }, log);
    expect((await gh.getPullRequest('acme', repo, 7)).number).toBe(7);
    expect(scope.isDone()).toBe(true);
    expect(lines.join('')).toContain('GitHub rate limit reached; pausing this installation');
  });

  it('gives up after two secondary rate limits with a clear error that the job queue retries later', async () => {
    tokenScope();
    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .times(3)
      .reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '1' });
    const gh = client({ ...FAST_TUNING, throttleEnabled: true, rateLimitBaseMs: 1 });
    await expect(gh.getPullRequest('acme', repo, 7)).rejects.toMatchObject({
      code: 'github.rate_limited',
      name: 'VoidError',
      message:
        "Reading pull request acme/api#7: GitHub's rate limit for this installation was reached; Void will retry later",
    });
  });

  it('retries a 502 with growing delays, then succeeds', async () => {
    tokenScope();
    const scope = nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .times(2)
      .reply(502, 'Bad Gateway')
      .get('/repos/acme/api/pulls/7')
      .reply(200, pr);
    const started = Date.now();
    expect((await client().getPullRequest('acme', repo, 7)).title).toBe('Add retries');
    // retry plugin: 1² + 2² units of 5 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(scope.isDone()).toBe(true);
  });

  it('reports a GitHub that keeps failing as retryable (the job retries with its own backoff)', async () => {
    tokenScope();
    nock(GITHUB_API).get('/repos/acme/api/pulls/7').times(4).reply(502, 'Bad Gateway');
    const error = await client()
      .getPullRequest('acme', repo, 7)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'github.unavailable', name: 'VoidError' });
    expect(String((error as Error).message)).toBe(
      'Reading pull request acme/api#7: GitHub did not answer properly (502); Void will retry',
    );
  });
});
