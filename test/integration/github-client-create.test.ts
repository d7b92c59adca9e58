// The GitHub client's writes that create what is missing (branch, draft pull request, deployment with its status,
// check run, workflow run) and its reads (files, absent ones as undefined, and the diff), against nock.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { GITHUB_API, tokenScope } from '../helpers/github.js';
import { client, repo } from '../helpers/github-client.js';

afterEach(() => {
  nock.cleanAll();
});

describe('creating what is missing, and reading', () => {
  it(
    'creates what does not exist yet: branch, draft pull request, ' + 'deployment with status, check run, workflow run',
    async () => {
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
    },
  );

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
