// Issue 18 from the outside: a signed `/void review` comment on a pull request → the real agents' review processor
// (no model configured) → one GitHub review, with GitHub's REST API faked by nock. Every realistic pull request of
// the evaluation corpus (test/fixtures/review/prs) goes through: each planted issue is posted on its line, the clean
// ones get no blocking finding, and every review says what was checked.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, prComment } from '../helpers/github.js';
import { onlyJobFinished, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';
import { HEAD, servePullRequest, type CorpusPullRequest, type PostedReview } from '../helpers/review.js';

const PRS = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/review/prs/prs.json'), 'utf8'),
) as CorpusPullRequest[];

let running: GithubTestApp | undefined;
afterEach(async () => {
  await running?.github.idle();
  await running?.stop();
  running = undefined;
});

async function review(pr: CorpusPullRequest): Promise<PostedReview> {
  running = await startGithubApp({ role: 'all', modules: [createAgentsModule()] });
  fakeGithubApi();
  const reviews: PostedReview[] = [];
  servePullRequest(pr, reviews);
  expect((await deliver(running.url, 'issue_comment', prComment('/void review'))).status).toBe(202);
  expect((await onlyJobFinished(running)).state).toBe('completed');
  expect(reviews).toHaveLength(1);
  return reviews[0] as PostedReview;
}

describe('/void review on realistic pull requests, no model configured', () => {
  it.each(PRS.filter((pr) => !pr.clean).map((pr) => [pr.name, pr] as const))(
    '%s: each planted issue is posted on its line',
    async (_name, pr) => {
      const posted = await review(pr);
      for (const planted of pr.planted) {
        if (pr.files.find((f) => f.path === planted.path)?.status === 'removed') {
          // A deleted file has no line on the new side to comment on: the finding is in the review body.
          expect(posted.body).toContain(`\`${planted.path}:${planted.line}\` ${planted.rule}`);
          continue;
        }
        const onLine = (posted.comments ?? []).filter((c) => c.path === planted.path && c.line === planted.line);
        expect(
          onLine.map((c) => /`([\w.]+)`/.exec(c.body)?.[1]),
          `${planted.rule} at ${planted.path}:${planted.line}`,
        ).toContainEqual(expect.stringMatching(new RegExp(`^${planted.rule.replace('.', '\\.')}`)));
      }
      expect(posted.comments?.every((c) => c.side === 'RIGHT')).toBe(true);
      expect(posted.commit_id).toBe(HEAD);
      expect(posted.body).toContain('**What was checked**');
      expect(posted.body).not.toContain('Not shown to the model');
    },
  );

  it.each(PRS.filter((pr) => pr.clean).map((pr) => [pr.name, pr] as const))(
    '%s: clean, so no blocking finding and no request for changes',
    async (_name, pr) => {
      const posted = await review(pr);
      expect(posted.event).toBe('COMMENT');
      expect(posted.body).not.toMatch(/🔴|🟠 `[^`]+` [\w.]+: /);
      expect(posted.body).toContain('**What was checked**');
    },
  );

  it(
    'says what it could not cover: files without a patch, ' +
      'languages without structural rules, files read from the diff only',
    async () => {
      const pr = PRS.find((p) => p.name === 'clean-feature-with-tests') as CorpusPullRequest;
      const withExtras: CorpusPullRequest = {
        ...pr,
        files: [
          ...pr.files,
          { path: 'assets/logo.png', status: 'added', additions: 0, deletions: 0, patch: '' },
          {
            path: 'lib/report.rb',
            status: 'added',
            additions: 1,
            deletions: 0,
            patch: '@@ -0,0 +1 @@\n+puts "report"',
          },
        ],
      };
      const posted = await review(withExtras);
      expect(posted.body).toContain('1 file(s) without a patch were not reviewed: `assets/logo.png`.');
      expect(posted.body).toContain(
        'Structural rules (ast-grep, JavaScript/TypeScript): `src/orders/page.ts`, `src/orders/page.test.ts`.',
      );
      expect(posted.body).toContain('Infrastructure and language rules: `lib/report.rb` (ruby).');
      expect(posted.body).toContain('1 file(s) were checked on the diff only');
    },
  );
});
