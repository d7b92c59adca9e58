/* eslint-disable @typescript-eslint/no-explicit-any -- webhook payloads are JSON that tests reshape freely */
// A small stateful stand-in for the GitHub REST API at the HTTP level (nock): comments on acme/api#7 are kept so
// that Void's "find my marker, then edit" logic meets the same answers it would on GitHub.
import nock from 'nock';
import { GITHUB_API, tokenScope } from './github.js';

export interface ApiCall {
  readonly method: string;
  readonly path: string;
  readonly body: any;
}

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
}

export interface GithubApiRecorder {
  readonly calls: ApiCall[];
  readonly comments: FakeComment[];
  readonly unmatched: string[];
  tokenCalls(): number;
  /** Comment bodies, oldest first, without Void's hidden markers. */
  texts(): string[];
}

export function fakeGithubApi(
  options: { owner?: string; repo?: string; number?: number; installation?: number } = {},
): GithubApiRecorder {
  const base = `/repos/${options.owner ?? 'acme'}/${options.repo ?? 'api'}`;
  const number = options.number ?? 7;
  const calls: ApiCall[] = [];
  const comments: FakeComment[] = [];
  const unmatched: string[] = [];
  const token = tokenScope(options.installation);
  const record = (method: string, path: string, body: unknown) => calls.push({ method, path, body });
  nock.emitter.removeAllListeners('no match');
  nock.emitter.on(
    'no match',
    (req: {
      method?: string;
      path?: string;
      hostname?: string;
      host?: string;
      options?: { method?: string; path?: string; hostname?: string };
    }) => {
      const host = req.hostname ?? req.host ?? req.options?.hostname ?? '';
      if (host.startsWith('127.0.0.1')) return; // Void itself, reached by the test
      unmatched.push(`${req.method ?? req.options?.method} ${host}${req.path ?? req.options?.path}`);
    },
  );
  nock(GITHUB_API)
    .persist()
    .post(new RegExp(`${base}/(issues|pulls)/comments/\\d+/reactions$`))
    .reply(201, (path, body) => {
      record('POST', path, body);
      return { id: 1, content: 'eyes' };
    })
    .post(`${base}/issues/${number}/comments`)
    .reply(201, (path, body) => {
      record('POST', path, body);
      const comment = {
        id: 9000 + comments.length,
        body: (body as { body: string }).body,
        html_url: `https://github.test${base}/pull/${number}#c${comments.length}`,
      };
      comments.push(comment);
      return comment;
    })
    .get(`${base}/issues/${number}/comments`)
    .query(true)
    .reply(200, (path) => {
      record('GET', path, undefined);
      return comments;
    })
    .patch(new RegExp(`${base}/issues/comments/\\d+$`))
    .reply((path, body) => {
      record('PATCH', path, body);
      const comment = comments.find((c) => path.endsWith(`/${c.id}`));
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = (body as { body: string }).body;
      return [200, comment];
    });
  return {
    calls,
    comments,
    unmatched,
    tokenCalls: token.calls,
    texts: () => comments.map((c) => c.body.replace(/\n*<!-- void:[^>]*-->/g, '')),
  };
}
