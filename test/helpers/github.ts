/* eslint-disable @typescript-eslint/no-explicit-any -- webhook payloads are JSON that tests reshape freely */
// GitHub test helpers: sign a webhook body the way GitHub does, real example payloads from @octokit/webhooks-examples
// adapted to a test tenant, an RSA key for App authentication, and nock scopes for the REST API.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import nock from 'nock';

export const GITHUB_API = 'https://github.test/api/v3';
export const WEBHOOK_SECRET = 'whsec-test-4f1c2a9e';
export const INSTALLATION = 1001; // tenant acme in void.example.yaml
export const TOKEN = 'ghs_installationTokenForTests0001';

/** `sha256=<hex>` over the exact bytes, as GitHub computes X-Hub-Signature-256. */
export function signGitHub(body: string | Buffer, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

let key: string | undefined;
/** One RSA key per test process (PKCS#1 PEM, as GitHub hands it out). */
export function appPrivateKey(): string {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  return key;
}

export function githubEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_APP_ID: '4242',
    GITHUB_PRIVATE_KEY: appPrivateKey(),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GITHUB_API_URL: GITHUB_API,
    ...extra,
  };
}

interface Example {
  name: string;
  examples: Array<Record<string, unknown>>;
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

/** A deep copy of a real payload of `event` whose action is `action`. */
export function example(
  event: string,
  action: string | undefined,
  pick: (p: Record<string, unknown>) => boolean = () => true,
): Record<string, any> {
  const found = examples.find((e) => e.name === event)?.examples.find((p) => p.action === action && pick(p));
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}.${action}`);
  return structuredClone(found) as Record<string, any>;
}

/** The real `issue_comment.created` payload, turned into a comment on pull request acme/api#7 by `login`. */
export function prComment(
  body: string,
  options: {
    login?: string;
    installation?: number;
    onPullRequest?: boolean;
    action?: string;
    from?: string;
    createdAt?: string;
    at?: Date;
    userId?: number;
  } = {},
): Record<string, any> {
  const p = example('issue_comment', options.action ?? 'created');
  p.installation = { id: options.installation ?? INSTALLATION, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  p.repository.name = 'api';
  p.repository.full_name = 'acme/api';
  p.repository.owner.login = 'acme';
  p.issue.number = 7;
  if (options.onPullRequest !== false)
    p.issue.pull_request = {
      url: `${GITHUB_API}/repos/acme/api/pulls/7`,
      html_url: 'https://github.test/acme/api/pull/7',
    };
  else delete p.issue.pull_request;
  p.comment.id = 555;
  p.comment.body = body;
  // Written now (the example's own dates are years old, and Void refuses old comments as replays).
  p.comment.created_at = p.comment.updated_at = options.createdAt ?? (options.at ?? new Date()).toISOString();
  p.sender.login = options.login ?? 'alice';
  p.sender.type = 'User';
  if (options.userId !== undefined) p.sender.id = p.comment.user.id = options.userId;
  if (options.from !== undefined) p.changes = { body: { from: options.from } };
  return p;
}

/** The real `pull_request.<action>` payload for acme/api#7 at `sha`, sent by `login`. */
export function prEvent(
  action: string,
  options: {
    sha?: string;
    login?: string;
    draft?: boolean;
    author?: string;
    authorType?: string;
    installation?: number;
    merged?: boolean;
  } = {},
): Record<string, any> {
  const p = example('pull_request', action, (x) => Boolean(x.installation));
  p.installation = { id: options.installation ?? INSTALLATION };
  p.repository.name = 'api';
  p.repository.owner.login = 'acme';
  p.pull_request.number = 7;
  p.pull_request.html_url = 'https://github.test/acme/api/pull/7';
  p.pull_request.head.sha = options.sha ?? 'a'.repeat(40);
  p.pull_request.draft = options.draft ?? false;
  p.pull_request.user.login = options.author ?? 'alice';
  p.pull_request.user.type = options.authorType ?? 'User';
  if (options.merged !== undefined) p.pull_request.merged = options.merged;
  p.sender.login = options.login ?? 'alice';
  p.sender.type = 'User';
  return p;
}

export interface Delivery {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly id: string;
}

/** POSTs a webhook to Void as GitHub would; `signature: null` sends none, a string sends that header verbatim. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  options: {
    id?: string;
    signature?: string | null;
    secret?: string;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Delivery> {
  const body = options.raw ?? JSON.stringify(payload);
  const id = options.id ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': id,
    'user-agent': 'GitHub-Hookshot/test',
    ...options.headers,
  };
  if (options.signature !== null)
    headers['x-hub-signature-256'] = options.signature ?? signGitHub(body, options.secret);
  const res = await fetch(`${url}/github/webhooks`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, id };
}

/** Intercepts the installation token exchange; `times` counts how often Void asked. */
export function tokenScope(installation = INSTALLATION): { scope: nock.Scope; calls: () => number } {
  let n = 0;
  const scope = nock(GITHUB_API)
    .persist()
    .post(`/app/installations/${installation}/access_tokens`)
    .reply(201, () => {
      n += 1;
      return {
        token: TOKEN,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: {},
        repository_selection: 'all',
      };
    });
  return { scope, calls: () => n };
}

/** Fast pauses for tests: the rate-limit and retry behaviour is unchanged, only the unit of time is smaller. */
export const FAST_TUNING = {
  rateLimitBaseMs: 2,
  secondaryWaitSeconds: 60,
  retryBaseMs: 5,
  throttleEnabled: false,
} as const;
