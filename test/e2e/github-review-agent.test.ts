// The issue's Done-when, whole: a signed `/void review` comment → 👀 → a queued job → the agents' real review
// processor (offline rules: no model configured) → a review posted on the pull request, and the job's comment edited
// in place to its result. A redelivery of the same delivery adds nothing.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, GITHUB_API, prComment } from '../helpers/github.js';
import { onlyJobFinished, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

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

const PATCH = [
  '@@ -1,3 +1,6 @@',
  ' export function charge(amount: number) {',
  '+  const apiKey = "sk_live_51HxQjdKJh2d8f7s6a5s4d3f2g1h0j9k8";',
  '+  console.log("charging", amount, apiKey);',
  '+  // TODO: remove before merge',
  '   return amount;',
  ' }',
].join('\n');

describe("/void review with the agents' review processor", () => {
  it('reacts, queues one job and posts a review on the pull request', async () => {
    const t = await startGithubApp({ role: 'all', modules: [createAgentsModule()] });
    running.push(t);
    const api = fakeGithubApi();
    const reviews: Array<{ body: string; commit_id: string; event: string; comments?: unknown[] }> = [];
    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .reply(200, {
        number: 7,
        title: 'Charge cards',
        body: 'Adds charging.',
        user: { login: 'alice' },
        head: { sha: 'c'.repeat(40), ref: 'feature/charge' },
        base: { ref: 'main' },
        draft: false,
        html_url: 'https://github.test/acme/api/pull/7',
      })
      .get('/repos/acme/api/pulls/7/files')
      .query(true)
      .reply(200, [{ filename: 'src/charge.ts', status: 'modified', additions: 3, deletions: 0, patch: PATCH }])
      .get(/\/repos\/acme\/api\/contents\/.*/)
      .times(10)
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/api/pulls/7/reviews')
      .query(true)
      .reply(200, [])
      .post('/repos/acme/api/pulls/7/reviews')
      .reply(
        200,
        (_p, body: { body: string; commit_id: string; event: string }) => (
          reviews.push(body),
          { id: 1, html_url: 'https://github.test/acme/api/pull/7#pullrequestreview-1' }
        ),
      );

    const sent = await deliver(t.url, 'issue_comment', prComment('/void review'));
    expect(sent.status).toBe(202);
    const job = await onlyJobFinished(t);
    expect(job.state).toBe('completed');

    expect(api.calls.filter((c) => c.path.endsWith('/issues/comments/555/reactions')).map((c) => c.body)).toEqual([
      { content: 'eyes' },
    ]);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.commit_id).toBe('c'.repeat(40));
    expect(reviews[0]?.body).toContain(`<!-- void:void:review:${job.id} -->`);
    expect(api.comments).toHaveLength(1);
    expect(api.texts()[0]).toMatch(
      /^✅ review done: acme\/api#7 reviewed: .*\nhttps:\/\/github\.test\/acme\/api\/pull\/7#pullrequestreview-1$/,
    );

    const again = await deliver(t.url, 'issue_comment', prComment('/void review'), { id: sent.id });
    await t.github.idle();
    expect(again.status).toBe(202); // acked; the worker's claim of the delivery id drops it
    expect(await t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).toHaveLength(1);
    expect(reviews).toHaveLength(1);
  });
});
