// Side effects of the GitHub client that a retried job must not repeat: a comment, a review, a commit, a
// deployment and a check run are found again by their marker (also from a fresh process) and updated, not doubled.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { GITHUB_API, tokenScope } from '../helpers/github.js';
import { client, repo } from '../helpers/github-client.js';

afterEach(() => {
  nock.cleanAll();
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
});
