// The outbound client against the GitHub REST API intercepted with nock: App installation tokens (cached), rate
// limits and server errors retried with backoff, and side effects that a retried job updates instead of repeating.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTenantsYaml } from '../../bot/config/load.js';
import { TenantRegistry } from '../../bot/core/registry.js';
import { createLogger } from '../../bot/logger.js';
import { GithubClient } from '../../integrations/github/client.js';
import type { OctokitTuning } from '../../integrations/github/octokit.js';
import { appPrivateKey, FAST_TUNING, GITHUB_API, githubEnv, TOKEN, tokenScope } from '../helpers/github.js';
import { captureAppLogger, captureLogger, testConfig } from '../helpers/app.js';
import { GITHUB_TENANTS } from '../helpers/github-app.js';

const registry = new TenantRegistry(parseTenantsYaml(GITHUB_TENANTS, 'test.yaml'));
const repo = { owner: 'acme', name: 'api' };
const creds = { appId: 4242, privateKey: appPrivateKey(), baseUrl: GITHUB_API };

function client(tuning: OctokitTuning = FAST_TUNING, log = createLogger({ level: 'silent' })): GithubClient {
  return new GithubClient(creds, registry, log, tuning);
}

const pr = {
  number: 7,
  title: 'Add retries',
  body: null,
  user: { login: 'alice' },
  head: { sha: 'a'.repeat(40), ref: 'feature' },
  base: { ref: 'main' },
  draft: false,
  html_url: 'https://github.test/acme/api/pull/7',
};

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

describe('side effects a retried job does not repeat', () => {
  it('upsertComment posts once, then edits the comment carrying its marker (also from a fresh process)', async () => {
    tokenScope();
    const posted: string[] = [];
    nock(GITHUB_API)
      .get('/repos/acme/api/issues/7/comments')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/api/issues/7/comments')
      .reply(
        201,
        (_p, body: { body: string }) => (posted.push(body.body), { id: 31, html_url: 'u31', body: body.body }),
      )
      .patch('/repos/acme/api/issues/comments/31')
      .reply(200, (_p, body: { body: string }) => (posted.push(body.body), { id: 31, html_url: 'u31' }));
    const gh = client();
    await gh.upsertComment('acme', repo, 7, 'Review started', 'job:review-1');
    await gh.upsertComment('acme', repo, 7, 'Review done', 'job:review-1');
    expect(posted).toEqual([
      'Review started\n\n<!-- void:job:review-1 -->',
      'Review done\n\n<!-- void:job:review-1 -->',
    ]);

    nock(GITHUB_API)
      .get('/repos/acme/api/issues/7/comments')
      .query(true)
      .reply(200, [
        { id: 12, body: 'someone else' },
        { id: 31, body: posted[1] },
      ])
      .patch('/repos/acme/api/issues/comments/31')
      .reply(200, { id: 31, html_url: 'u31' });
    expect(await client().upsertComment('acme', repo, 7, 'Review done (retried)', 'job:review-1')).toEqual({
      url: 'u31',
    });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('postReview creates one review with line comments; a retry updates it instead of posting another', async () => {
    tokenScope();
    const review = {
      commitSha: 'a'.repeat(40),
      summary: 'Looks good; one nit.',
      verdict: 'comment' as const,
      comments: [{ path: 'src/a.ts', line: 3, body: 'nit' }],
      marker: 'review:review-1',
    };
    let created: Record<string, unknown> | undefined;
    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7/reviews')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/api/pulls/7/reviews')
      .reply(
        200,
        (_p, body: Record<string, unknown>) => ((created = body), { id: 5, html_url: 'r5', body: body.body }),
      );
    expect(await client().postReview('acme', repo, 7, review)).toEqual({ url: 'r5' });
    expect(created).toEqual({
      commit_id: 'a'.repeat(40),
      body: 'Looks good; one nit.\n\n<!-- void:review:review-1 -->',
      event: 'COMMENT',
      comments: [{ path: 'src/a.ts', line: 3, side: 'RIGHT', body: 'nit' }],
    });

    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7/reviews')
      .query(true)
      .reply(200, [{ id: 5, body: created?.body }])
      .put('/repos/acme/api/pulls/7/reviews/5')
      .reply(200, { id: 5, html_url: 'r5' });
    expect(await client().postReview('acme', repo, 7, review)).toEqual({ url: 'r5' });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('commitFiles never writes to the default branch or a protected branch', async () => {
    tokenScope();
    nock(GITHUB_API).get('/repos/acme/api').times(2).reply(200, { default_branch: 'main' });
    nock(GITHUB_API)
      .get('/repos/acme/api/git/ref/heads%2Frelease')
      .reply(200, { object: { sha: 'f'.repeat(40) } });
    nock(GITHUB_API).get('/repos/acme/api/branches/release').reply(200, { name: 'release', protected: true });
    const gh = client();
    await expect(gh.commitFiles('acme', repo, 'main', 'x', [{ path: 'a', content: 'b' }], 'm1')).rejects.toMatchObject({
      code: 'github.protected_branch',
      name: 'UnrecoverableError',
    });
    await expect(
      gh.commitFiles('acme', repo, 'release', 'x', [{ path: 'a', content: 'b' }], 'm1'),
    ).rejects.toMatchObject({
      code: 'github.protected_branch',
      message: 'Branch "release" of acme/api is protected; Void does not push to protected branches.',
    });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('says a branch that does not exist yet is not protected', async () => {
    tokenScope();
    nock(GITHUB_API).get('/repos/acme/api/branches/void%2Fnew').reply(404, { message: 'Branch not found' });
    expect(await client().isProtectedBranch('acme', repo, 'void/new')).toBe(false);
  });

  it('commitFiles commits once; a retried job finds its commit by the marker and adds nothing', async () => {
    tokenScope();
    const head = '1'.repeat(40);
    const made = '2'.repeat(40);
    nock(GITHUB_API)
      .get('/repos/acme/api')
      .times(2)
      .reply(200, { default_branch: 'main' })
      .get('/repos/acme/api/git/ref/heads%2Fvoid%2Fpay-1')
      .reply(200, { object: { sha: head } })
      .get('/repos/acme/api/branches/void%2Fpay-1')
      .times(2)
      .reply(200, { protected: false })
      .get('/repos/acme/api/git/ref/heads%2Fvoid%2Fpay-1')
      .reply(200, { object: { sha: made } })
      .get(`/repos/acme/api/git/commits/${head}`)
      .reply(200, { sha: head, message: 'earlier work', tree: { sha: 't0' } })
      .post('/repos/acme/api/git/trees')
      .reply(201, { sha: 't1' })
      .post(
        '/repos/acme/api/git/commits',
        (b: { message: string; parents: string[] }) =>
          b.message === 'Fix PAY-1\n\nvoid-marker: implement-1' && b.parents[0] === head,
      )
      .reply(201, { sha: made })
      .patch('/repos/acme/api/git/refs/heads%2Fvoid%2Fpay-1', { sha: made, force: false })
      .reply(200, {})
      .get(`/repos/acme/api/git/commits/${made}`)
      .reply(200, { sha: made, message: 'Fix PAY-1\n\nvoid-marker: implement-1', tree: { sha: 't1' } });
    const gh = client();
    expect(
      await gh.commitFiles(
        'acme',
        repo,
        'void/pay-1',
        'Fix PAY-1',
        [{ path: 'src/a.ts', content: 'x' }],
        'implement-1',
      ),
    ).toEqual({ sha: made });
    expect(
      await gh.commitFiles(
        'acme',
        repo,
        'void/pay-1',
        'Fix PAY-1',
        [{ path: 'src/a.ts', content: 'x' }],
        'implement-1',
      ),
    ).toEqual({ sha: made });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('createDeployment reuses the deployment carrying its marker; check runs are found by external id', async () => {
    tokenScope();
    nock(GITHUB_API)
      .get('/repos/acme/api/deployments')
      .query({ ref: 'v1.2.0', environment: 'staging', per_page: 100 })
      .reply(200, [{ id: 3, url: 'd3', payload: { void_marker: 'deploy-1' } }])
      .get(`/repos/acme/api/commits/${'a'.repeat(40)}/check-runs`)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [{ id: 8, external_id: 'job-1' }] })
      .patch(
        '/repos/acme/api/check-runs/8',
        (b: { status: string; conclusion: string }) => b.status === 'completed' && b.conclusion === 'success',
      )
      .reply(200, { id: 8, html_url: 'c8' });
    const gh = client();
    expect(
      await gh.createDeployment('acme', repo, {
        ref: 'v1.2.0',
        environment: 'staging',
        description: 'deploy',
        marker: 'deploy-1',
      }),
    ).toEqual({ id: 3, url: 'https://github.com/acme/api/deployments' });
    expect(
      await gh.upsertCheckRun('acme', repo, {
        headSha: 'a'.repeat(40),
        name: 'Void review',
        marker: 'job-1',
        status: 'completed',
        conclusion: 'success',
        title: 'Reviewed',
        summary: 'ok',
      }),
    ).toEqual({ id: 8, url: 'c8' });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('creates what does not exist yet: branch, draft pull request, deployment with status, check run, workflow run', async () => {
    tokenScope();
    const sha = '3'.repeat(40);
    const bodies: Record<string, unknown> = {};
    const keep = (name: string, reply: unknown) => (_p: string, body: unknown) => ((bodies[name] = body), reply);
    nock(GITHUB_API)
      .get('/repos/acme/api/git/ref/heads%2Fvoid%2Fpay-2')
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/api/git/ref/heads%2Fmain')
      .reply(200, { object: { sha } })
      .post('/repos/acme/api/git/refs')
      .reply(201, keep('ref', { ref: 'refs/heads/void/pay-2' }))
      .get('/repos/acme/api/pulls')
      .query({ head: 'acme:void/pay-2', state: 'open', per_page: 1 })
      .reply(200, [])
      .get('/repos/acme/api/git/ref/heads%2Fvoid%2Fpay-2')
      .reply(200, { object: { sha } })
      .post('/repos/acme/api/pulls')
      .reply(201, keep('pr', { number: 12, html_url: 'p12' }))
      .get('/repos/acme/api/deployments')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/api/deployments')
      .reply(201, keep('deployment', { id: 44, url: 'd44' }))
      .post('/repos/acme/api/deployments/44/statuses')
      .reply(201, keep('status', { id: 1 }))
      .get(`/repos/acme/api/commits/${sha}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post('/repos/acme/api/check-runs')
      .reply(201, keep('check', { id: 9, html_url: 'c9' }))
      .post('/repos/acme/api/actions/workflows/deploy.yml/dispatches')
      .reply(204, keep('workflow', ''));
    const gh = client();
    await gh.ensureBranch('acme', repo, 'void/pay-2', 'main');
    expect(bodies.ref).toEqual({ ref: 'refs/heads/void/pay-2', sha });
    expect(
      await gh.openPullRequest('acme', repo, {
        head: 'void/pay-2',
        base: 'main',
        title: 'PAY-2',
        body: 'Implements PAY-2',
        draft: true,
      }),
    ).toEqual({ number: 12, url: 'p12' });
    expect(bodies.pr).toMatchObject({ head: 'void/pay-2', base: 'main', draft: true });
    expect(
      await gh.createDeployment('acme', repo, {
        ref: sha,
        environment: 'staging',
        description: 'deploy api',
        marker: 'deploy-2',
      }),
    ).toEqual({ id: 44, url: 'https://github.com/acme/api/deployments' });
    expect(bodies.deployment).toMatchObject({
      ref: sha,
      environment: 'staging',
      auto_merge: false,
      payload: { void_marker: 'deploy-2' },
    });
    // Required status checks are honoured: no `required_contexts` (an empty list would skip them).
    expect(bodies.deployment).not.toHaveProperty('required_contexts');
    await gh.setDeploymentStatus('acme', repo, 44, 'in_progress', 'rolling out');
    expect(bodies.status).toMatchObject({ state: 'in_progress', description: 'rolling out' });
    expect(
      await gh.upsertCheckRun('acme', repo, {
        headSha: sha,
        name: 'Void review',
        marker: 'job-2',
        status: 'in_progress',
        title: 'Reviewing',
        summary: 'reading the diff',
      }),
    ).toEqual({ id: 9, url: 'c9' });
    expect(bodies.check).toMatchObject({
      head_sha: sha,
      name: 'Void review',
      external_id: 'job-2',
      status: 'in_progress',
    });
    await gh.dispatchWorkflow('acme', repo, 'deploy.yml', 'main', { environment: 'staging' });
    expect(bodies.workflow).toEqual({ ref: 'main', inputs: { environment: 'staging' } });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reads files (absent ones as undefined) and the diff', async () => {
    tokenScope();
    nock(GITHUB_API)
      .get('/repos/acme/api/contents/README.md')
      .query({ ref: 'main' })
      .reply(200, { type: 'file', content: Buffer.from('# API\n').toString('base64'), encoding: 'base64' })
      .get('/repos/acme/api/contents/CODEOWNERS')
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/api/pulls/7')
      .matchHeader('accept', /diff/)
      .reply(200, 'diff --git a/x b/x\n');
    const gh = client();
    expect(await gh.getFile('acme', repo, 'README.md', 'main')).toBe('# API\n');
    expect(await gh.getFile('acme', repo, 'CODEOWNERS')).toBeUndefined();
    expect(await gh.getDiff('acme', repo, 7)).toBe('diff --git a/x b/x\n');
  });
});
