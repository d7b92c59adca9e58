// Review tests: a corpus pull request served as GitHub's REST API serves one (nock), and what Void posts.
import nock from 'nock';
import { GITHUB_API } from './github.js';

export interface CorpusPullRequest {
  name: string;
  description: string;
  clean: boolean;
  planted: Array<{ path: string; line: number; rule: string }>;
  files: Array<{ path: string; status: string; additions: number; deletions: number; patch: string; content?: string }>;
}

export interface PostedReview {
  body: string;
  event: string;
  commit_id: string;
  comments?: Array<{ path: string; line: number; side: string; body: string }>;
}

export const HEAD = 'e'.repeat(40);

/** GitHub for acme/api#7 carrying this corpus pull request; the files at the head commit are served by path. */
export function servePullRequest(pr: CorpusPullRequest, reviews: PostedReview[], body = pr.description): void {
  nock(GITHUB_API)
    .get('/repos/acme/api/pulls/7')
    .reply(200, {
      number: 7,
      title: pr.name,
      body,
      user: { login: 'alice' },
      head: { sha: HEAD, ref: `feature/${pr.name}` },
      base: { ref: 'main' },
      draft: false,
      html_url: 'https://github.test/acme/api/pull/7',
    })
    .get('/repos/acme/api/pulls/7/files')
    .query(true)
    .reply(
      200,
      pr.files.map(({ content: _content, path, ...f }) => ({ filename: path, ...f })),
    )
    .get(/\/repos\/acme\/api\/contents\/.+/)
    .query(true)
    .times(40)
    .reply((uri) => {
      const url = new URL(uri, GITHUB_API);
      const path = decodeURIComponent(url.pathname.replace(/^.*\/contents\//, ''));
      const file = pr.files.find((f) => f.path === path && f.content !== undefined);
      if (!file || url.searchParams.get('ref') !== HEAD) return [404, { message: 'Not Found' }];
      return [
        200,
        { type: 'file', encoding: 'base64', path, content: Buffer.from(file.content ?? '').toString('base64') },
      ];
    })
    .get('/repos/acme/api/pulls/7/reviews')
    .query(true)
    .reply(200, [])
    .post('/repos/acme/api/pulls/7/reviews')
    .reply(
      200,
      (_p, posted: PostedReview) => (
        reviews.push(posted),
        { id: 1, html_url: 'https://github.test/acme/api/pull/7#pullrequestreview-1' }
      ),
    );
}
