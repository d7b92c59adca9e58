// A loopback stand-in for GitHub's REST API for the fault tests, where Void runs as separate `void` processes that
// nock cannot reach: a real HTTP server on 127.0.0.1 that keeps the state of pull request acme/api#7 (comments,
// reviews) so that Void's "find my marker, then edit" logic meets the answers GitHub would give. Each process gets
// its own GITHUB_APP_ID; the installation token handed out names that App id, so every write says which process
// made it. `holdFirstReview` stores the first review but never answers it: a worker that posts it hangs mid-job.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface FakeReview {
  id: number;
  body: string;
  commit_id: string;
  event: string;
  by: string;
}

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly by: string;
}

export interface FakeGithubServer {
  readonly url: string;
  readonly calls: FakeCall[];
  readonly reviews: FakeReview[];
  readonly comments: Array<{ id: number; body: string; by: string }>;
  readonly unmatched: string[];
  /** Resolves with the App id of the process whose first review is being held. */
  readonly reviewHeld: Promise<string>;
  close(): Promise<void>;
}

export const PR_PATCH = [
  '@@ -1,3 +1,5 @@',
  ' export function charge(amount: number) {',
  '+  // TODO: remove before merge',
  '+  console.log("charging", amount);',
  '   return amount;',
  ' }',
].join('\n');
const SHA = 'c'.repeat(40);
const PR = {
  number: 7,
  title: 'Charge cards',
  body: 'Adds charging.',
  user: { login: 'alice' },
  head: { sha: SHA, ref: 'feature/charge' },
  base: { ref: 'main' },
  draft: false,
  state: 'open',
  html_url: 'https://github.test/acme/api/pull/7',
};

function appIdOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  const token = /ghs_fake_app(\d+)_/.exec(auth);
  if (token) return token[1] as string;
  const jwt = auth.split(' ')[1]?.split('.')[1];
  try {
    return jwt ? String((JSON.parse(Buffer.from(jwt, 'base64url').toString()) as { iss?: unknown }).iss) : '?';
  } catch {
    return '?';
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

type Answer = [number, unknown] | 'hold';

export async function fakeGithubServer(options: { holdFirstReview?: boolean } = {}): Promise<FakeGithubServer> {
  const calls: FakeCall[] = [];
  const reviews: FakeReview[] = [];
  const comments: Array<{ id: number; body: string; by: string }> = [];
  const unmatched: string[] = [];
  const held: ServerResponse[] = [];
  let heldBy!: (appId: string) => void;
  const reviewHeld = new Promise<string>((r) => (heldBy = r));
  let next = 100;
  const base = '/repos/acme/api';

  const answer = (method: string, path: string, body: Record<string, unknown>, by: string): Answer => {
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [
        201,
        {
          token: `ghs_fake_app${by}_${next++}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: 'all',
        },
      ];
    }
    if (method === 'POST' && /\/(issues|pulls)\/comments\/\d+\/reactions$/.test(path))
      return [201, { id: next++, content: body.content }];
    if (method === 'GET' && path === `${base}/pulls/7`) return [200, PR];
    if (method === 'GET' && path === `${base}/pulls/7/files`)
      return [
        200,
        [{ filename: 'src/charge.ts', status: 'modified', additions: 2, deletions: 0, changes: 2, patch: PR_PATCH }],
      ];
    if (method === 'GET' && path.startsWith(`${base}/contents/`)) return [404, { message: 'Not Found' }];
    if (method === 'GET' && path === `${base}/pulls/7/reviews`)
      return [
        200,
        reviews.map((r) => ({
          id: r.id,
          body: r.body,
          commit_id: r.commit_id,
          state: r.event,
          user: { login: 'void[bot]' },
        })),
      ];
    if (method === 'POST' && path === `${base}/pulls/7/reviews`) {
      const review = {
        id: next++,
        body: String(body.body),
        commit_id: String(body.commit_id),
        event: String(body.event),
        by,
      };
      reviews.push(review);
      if (options.holdFirstReview && reviews.length === 1) return 'hold';
      return [200, { ...review, html_url: `https://github.test/acme/api/pull/7#pullrequestreview-${review.id}` }];
    }
    const update = new RegExp(`^${base}/pulls/7/reviews/(\\d+)$`).exec(path);
    if (method === 'PUT' && update) {
      const review = reviews.find((r) => r.id === Number(update[1]));
      if (!review) return [404, { message: 'Not Found' }];
      review.body = String(body.body);
      return [200, { ...review, html_url: `https://github.test/acme/api/pull/7#pullrequestreview-${review.id}` }];
    }
    if (method === 'GET' && path === `${base}/issues/7/comments`)
      return [
        200,
        comments.map((c) => ({
          id: c.id,
          body: c.body,
          user: { login: 'void[bot]' },
          html_url: `https://github.test/acme/api/pull/7#c${c.id}`,
        })),
      ];
    if (method === 'POST' && path === `${base}/issues/7/comments`) {
      const comment = { id: next++, body: String(body.body), by };
      comments.push(comment);
      return [201, { ...comment, html_url: `https://github.test/acme/api/pull/7#c${comment.id}` }];
    }
    const edit = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(path);
    if (method === 'PATCH' && edit) {
      const comment = comments.find((c) => c.id === Number(edit[1]));
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = String(body.body);
      return [200, { ...comment, html_url: `https://github.test/acme/api/pull/7#c${comment.id}` }];
    }
    unmatched.push(`${method} ${path}`);
    return [404, { message: 'Not Found' }];
  };

  const server = createServer((req, res) => {
    void (async () => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0] as string;
      const by = appIdOf(req);
      calls.push({ method, path, by });
      const result = answer(method, path, await readJson(req).catch(() => ({})), by);
      if (result === 'hold') {
        held.push(res);
        heldBy(by);
        return;
      }
      const text = JSON.stringify(result[1]);
      res.writeHead(result[0], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    })();
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    calls,
    reviews,
    comments,
    unmatched,
    reviewHeld,
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
