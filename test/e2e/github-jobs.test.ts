// Whole conversations in a pull request: comment → 👀 → queued job → worker → the job's one comment edited in place
// as it progresses → result. The job processors here are small test processors that use the real VcsPort (the
// agents' own review processor is tested by its owner and, when present, in github-review-agent.test.ts).
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { VcsPort } from '../../bot/core/vcs.port.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, GITHUB_API, prComment } from '../helpers/github.js';
import { onlyJobFinished, processorsModule, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
});

const vcsOf = (ports: { vcs?: VcsPort }): VcsPort => {
  if (!ports.vcs) throw new Error('no VcsPort: the GitHub module did not provide the vcs port');
  return ports.vcs;
};

describe('a review requested in a pull request comment', () => {
  it("posts the review, and the job's progress edits one comment in place", async () => {
    const reviewer = processorsModule({
      review: (_ctx, ports) => async (job) => {
        const command = job.data.command as { repo: { owner: string; name: string }; number: number };
        const vcs = vcsOf(ports);
        const pr = await vcs.getPullRequest(job.tenant.id, command.repo, command.number);
        await job.progress('reading the diff', 0.5);
        const { url } = await vcs.postReview(job.tenant.id, command.repo, command.number, {
          commitSha: pr.headSha,
          summary: 'No problems found.',
          verdict: 'comment',
          comments: [],
          marker: `review:${job.jobId}`,
        });
        return { summary: `reviewed ${pr.title}`, link: url };
      },
    });
    const t = await startGithubApp({ role: 'all', env: { VOID_PROGRESS_INTERVAL_MS: '0' }, modules: [reviewer] });
    running.push(t);
    const api = fakeGithubApi();
    const reviews: Array<{ body: string; commit_id: string }> = [];
    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .reply(200, {
        number: 7,
        title: 'Add retries',
        body: '',
        user: { login: 'alice' },
        head: { sha: 'e'.repeat(40), ref: 'feature' },
        base: { ref: 'main' },
        draft: false,
        html_url: 'https://github.test/acme/api/pull/7',
      })
      .get('/repos/acme/api/pulls/7/reviews')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/api/pulls/7/reviews')
      .reply(
        200,
        (_p, body: { body: string; commit_id: string }) => (
          reviews.push(body),
          { id: 1, html_url: 'https://github.test/acme/api/pull/7#review-1' }
        ),
      );

    const sent = await deliver(t.url, 'issue_comment', prComment('/void review'));
    expect(sent.status).toBe(202);
    const job = await onlyJobFinished(t);
    expect(job.state).toBe('completed');

    expect(api.calls.filter((c) => c.path.endsWith('/reactions')).map((c) => c.body)).toEqual([{ content: 'eyes' }]);
    expect(reviews).toEqual([
      expect.objectContaining({
        commit_id: 'e'.repeat(40),
        body: `No problems found.\n\n<!-- void:review:${job.id} -->`,
      }),
    ]);
    expect(api.texts()).toEqual([`✅ review done: reviewed Add retries\nhttps://github.test/acme/api/pull/7#review-1`]);
    expect(api.calls.filter((c) => c.method === 'PATCH').length).toBeGreaterThanOrEqual(2);
  });
});

describe('a job whose branch was deleted', () => {
  it('fails at once with a clear message in the pull request', async () => {
    const brancher = processorsModule({
      review: (_ctx, ports) => async (job) => {
        await vcsOf(ports).ensureBranch(job.tenant.id, { owner: 'acme', name: 'api' }, 'void/review-7', 'feature-gone');
        return { summary: 'unreachable' };
      },
    });
    const t = await startGithubApp({ role: 'all', modules: [brancher] });
    running.push(t);
    const api = fakeGithubApi();
    nock(GITHUB_API)
      .get('/repos/acme/api/git/ref/heads%2Fvoid%2Freview-7')
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/api/git/ref/heads%2Ffeature-gone')
      .reply(404, { message: 'Not Found' });
    await deliver(t.url, 'issue_comment', prComment('/void review'));
    expect((await onlyJobFinished(t)).state).toBe('failed');
    expect(api.texts()).toEqual([
      '❌ review failed after 1 attempt(s): Branch "feature-gone" does not exist in acme/api (it may have been ' +
        'deleted), so nothing was changed.',
    ]);
    const audit = await t.app.audit.store.range('acme', 1, 1000);
    expect(audit.filter((r) => r.action === 'job.failed').map((r) => r.details?.code)).toEqual([
      'github.branch_missing',
    ]);
  });
});
