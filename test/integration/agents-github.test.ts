// The review job through the real GitHub client (integrations/github, Octokit) with GitHub's REST API intercepted
// at the HTTP level: the four planted findings reach GitHub as one review with line comments on the right lines.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { createGithubModule } from '../../integrations/github/module.js';
import { NO_MODEL_NOTICE } from '../../agents/llm/offline.js';
import {
  InMemoryTickets,
  RecordingChat,
  fixture,
  jobData,
  nock,
  portsModule,
  tenantsYaml,
  type PullRequestFixture,
} from '../helpers/agents.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { FAST_TUNING, GITHUB_API, TOKEN, githubEnv, tokenScope } from '../helpers/github.js';

const planted = fixture<PullRequestFixture>('pr-planted.json');
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

function fakeGithub(posted: Array<Record<string, unknown>>): void {
  tokenScope();
  const base = '/repos/acme/orders';
  const pr = planted.pr;
  nock(GITHUB_API)
    .matchHeader('authorization', `token ${TOKEN}`)
    .persist()
    .get(`${base}/pulls/42`)
    .reply(200, {
      number: 42,
      title: pr.title,
      body: pr.body,
      user: { login: pr.author },
      head: { sha: pr.headSha, ref: pr.headRef },
      base: { ref: pr.baseRef },
      draft: false,
      html_url: pr.url,
    })
    .get(`${base}/pulls/42/files`)
    .query(true)
    .reply(
      200,
      planted.files.map((f) => ({
        filename: f.path,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.additions + f.deletions,
        patch: f.patch,
      })),
    )
    .get(new RegExp(`${base}/contents/.*`))
    .query(true)
    .reply(404, { message: 'Not Found' })
    .get(`${base}/pulls/42/reviews`)
    .query(true)
    .reply(200, [])
    .post(`${base}/pulls/42/reviews`)
    .reply(200, (_uri, body) => {
      posted.push(body as Record<string, unknown>);
      return { id: 77, html_url: 'https://github.com/acme/orders/pull/42#pullrequestreview-77' };
    });
}

describe('review job through the real GitHub client', () => {
  it('posts one review with the four planted findings as line comments, and the link in the thread', async () => {
    const posted: Array<Record<string, unknown>> = [];
    fakeGithub(posted);
    const chat = new RecordingChat();
    app = await startTestApp({
      config: testConfig({ yaml: tenantsYaml({}), env: githubEnv() }),
      modules: [
        createGithubModule({ tuning: FAST_TUNING }),
        portsModule({ tickets: new InMemoryTickets(), chat }),
        createAgentsModule(),
      ],
    });
    const jobId = `review-${randomUUID().slice(0, 8)}`;
    await app.app.queue.enqueue(
      jobId,
      jobData('review', { name: 'review', repo: { owner: 'acme', name: 'orders' }, number: 42 }),
    );
    const reply = await chat.final(jobId);
    expect(reply.text).toContain('acme/orders#42 reviewed: changes requested, 4 finding(s)');
    expect(reply.text).toContain('https://github.com/acme/orders/pull/42#pullrequestreview-77');
    expect(posted).toHaveLength(1);
    const review = posted[0] as {
      event: string;
      commit_id: string;
      body: string;
      comments: Array<{ path: string; line: number; side: string; body: string }>;
    };
    expect(review.event).toBe('REQUEST_CHANGES');
    expect(review.commit_id).toBe(planted.pr.headSha);
    expect(review.body).toContain(NO_MODEL_NOTICE);
    expect(review.body).toContain(`<!-- void:void:review:${jobId} -->`);
    expect(review.comments.map((c) => `${c.path}:${c.line}:${c.side}:${c.body.match(/`([a-z_.]+)`/)?.[1]}`)).toEqual([
      'src/orders/repository.ts:4:RIGHT:secret.aws_access_key',
      'src/orders/repository.ts:8:RIGHT:risky.sql_concatenation',
      'src/orders/repository.ts:2:RIGHT:tests.missing',
      'src/orders/repository.ts:7:RIGHT:debug.console',
    ]);
  });
});
