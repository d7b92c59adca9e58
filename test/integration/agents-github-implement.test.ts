// The implement workflow through the real GitHub client (integrations/github, Octokit) against a small stateful
// fake of GitHub's REST API (nock): a worker killed right after the commit step, a new worker taking the job over,
// and exactly one commit and one pull request on GitHub.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentProcessors } from '../../agents/processors/index.js';
import { ModelRouter } from '../../agents/llm/router.js';
import type { ProcessorContext } from '../../agents/worker.js';
import { createGithubModule } from '../../integrations/github/module.js';
import { createLogger } from '../../bot/logger.js';
import { InMemoryTickets, jobData, nock, tenantsYaml } from '../helpers/agents.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { FAST_TUNING, GITHUB_API, githubEnv, tokenScope } from '../helpers/github.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface FakeRepo {
  refs: Map<string, string>;
  commits: Map<string, { message: string; tree: string }>;
  pulls: Array<{
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
    html_url: string;
  }>;
  created: string[];
}

/** acme/orders with a protected `main`: refs, commits, trees and pull requests kept in memory, as GitHub would. */
function fakeRepo(): FakeRepo {
  const repo: FakeRepo = {
    refs: new Map([['main', 'a'.repeat(40)]]),
    commits: new Map([['a'.repeat(40), { message: 'initial', tree: 't'.repeat(40) }]]),
    pulls: [],
    created: [],
  };
  const base = '/repos/acme/orders';
  const sha = () => randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);
  tokenScope();
  nock(GITHUB_API)
    .persist()
    .get(base)
    .reply(200, { full_name: 'acme/orders', default_branch: 'main' })
    .get(new RegExp(`${base}/branches/.+`))
    .reply((uri) => {
      const branch = decodeURIComponent(uri.split('/branches/')[1] ?? '');
      return repo.refs.has(branch)
        ? [200, { name: branch, protected: branch === 'main' }]
        : [404, { message: 'Branch not found' }];
    })
    .get(new RegExp(`${base}/git/ref/.+`))
    .reply((uri) => {
      const ref = decodeURIComponent(uri.split('/git/ref/')[1] ?? '').replace(/^heads\//, '');
      const head = repo.refs.get(ref);
      return head
        ? [200, { ref: `refs/heads/${ref}`, object: { sha: head, type: 'commit' } }]
        : [404, { message: 'Not Found' }];
    })
    .post(`${base}/git/refs`)
    .reply(201, (_uri, body) => {
      const { ref, sha: at } = body as { ref: string; sha: string };
      repo.refs.set(ref.replace(/^refs\/heads\//, ''), at);
      repo.created.push(`branch ${ref}`);
      return { ref, object: { sha: at } };
    })
    .get(new RegExp(`${base}/git/commits/[0-9a-f]+`))
    .reply((uri) => {
      const at = uri.split('/git/commits/')[1] ?? '';
      const commit = repo.commits.get(at);
      return commit
        ? [200, { sha: at, message: commit.message, tree: { sha: commit.tree } }]
        : [404, { message: 'Not Found' }];
    })
    .post(`${base}/git/trees`)
    .reply(201, () => ({ sha: sha(), tree: [] }))
    .post(`${base}/git/commits`)
    .reply(201, (_uri, body) => {
      const { message, tree } = body as { message: string; tree: string };
      const at = sha();
      repo.commits.set(at, { message, tree });
      repo.created.push('commit');
      return { sha: at, message, tree: { sha: tree } };
    })
    .patch(new RegExp(`${base}/git/refs/.+`))
    .reply(200, (uri, body) => {
      const ref = decodeURIComponent(uri.split('/git/refs/')[1] ?? '').replace(/^heads\//, '');
      repo.refs.set(ref, (body as { sha: string }).sha);
      return { ref: `refs/heads/${ref}`, object: { sha: (body as { sha: string }).sha } };
    })
    .get(`${base}/pulls`)
    .query(true)
    .reply((uri) => {
      const head = new URL(uri, 'https://x').searchParams.get('head')?.split(':')[1];
      return [200, repo.pulls.filter((p) => p.head === head)];
    })
    .post(`${base}/pulls`)
    .reply(201, (_uri, body) => {
      const pr = {
        ...(body as Omit<FakeRepo['pulls'][number], 'number' | 'html_url'>),
        number: 100 + repo.pulls.length,
        html_url: `https://github.com/acme/orders/pull/${100 + repo.pulls.length}`,
      };
      repo.pulls.push(pr);
      repo.created.push('pull request');
      return pr;
    })
    .get(new RegExp(`${base}/contents/.*`))
    .query(true)
    .reply(404, { message: 'Not Found' });
  return repo;
}

describe('implement workflow through the real GitHub client', () => {
  it('killed after the commit step and restarted on another worker: one commit, one draft pull request', async () => {
    const repo = fakeRepo();
    const github = createGithubModule({ tuning: FAST_TUNING });
    app = await startTestApp({
      role: 'web',
      config: testConfig({ yaml: tenantsYaml({}), env: githubEnv() }),
      modules: [github],
    });
    const vcs = github.client();
    if (!vcs) throw new Error('the GitHub module built no client');
    const tickets = new InMemoryTickets();
    tickets.add({ key: 'PAY-9', summary: 'Limit order lookups', description: '- return at most 100 orders' });
    const tenant = app.app.registry.get('acme');
    if (!tenant) throw new Error('no tenant');
    const data = jobData('implement', { name: 'implement', ticket: 'PAY-9', repo: { owner: 'acme', name: 'orders' } });
    const jobId = `implement-${randomUUID().slice(0, 8)}`;
    const log = createLogger({ level: 'silent' });
    const worker = () => {
      const router = new ModelRouter({
        redis: app!.app.redis,
        prefix: app!.prefix,
        env: app!.app.config.env,
        audit: app!.app.audit,
        log,
      });
      return createAgentProcessors({
        ports: { vcs, tickets },
        redis: app!.app.redis,
        prefix: app!.prefix,
        router,
        log,
      }).get('implement');
    };
    const ctx = (die: boolean): ProcessorContext => ({
      data,
      jobId,
      attempt: die ? 1 : 2,
      tenant,
      log,
      progress: async (step) => {
        if (die && step.startsWith('step 5/6')) throw new Error('SIGKILL');
      },
    });
    await expect(worker()?.(ctx(true))).rejects.toThrow('SIGKILL');
    expect(repo.created).toEqual(['branch refs/heads/void/pay-9', 'commit']);
    const result = await worker()?.(ctx(false));
    expect(result).toMatchObject({
      summary: expect.stringContaining('PAY-9: draft pull request #100 on void/pay-9'),
      link: 'https://github.com/acme/orders/pull/100',
    });
    expect(repo.created).toEqual(['branch refs/heads/void/pay-9', 'commit', 'pull request']);
    expect(repo.pulls).toMatchObject([{ head: 'void/pay-9', base: 'main', draft: true }]);
    expect(repo.refs.get('main')).toBe('a'.repeat(40));
    // Even with the checkpoints gone, the markers keep GitHub at one commit and one pull request.
    await app.app.redis.del(`${app.prefix}:wf:acme:${jobId}`);
    await worker()?.(ctx(false));
    expect(repo.created).toEqual(['branch refs/heads/void/pay-9', 'commit', 'pull request']);
    expect(tickets.comments).toHaveLength(1);
  });
});
