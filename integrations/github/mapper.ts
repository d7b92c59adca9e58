// GitHub webhook payloads → neutral events, and neutral replies → Markdown comments. Payloads are checked (zod; comment
// webhooks, read on every ack, by comment-payload.ts) for the fields Void uses; anything else is ignored with a
// reason, never an exception.
import { z } from 'zod';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { PullRequestEvent } from '../../bot/core/vcs.port.js';
import { commentProblem, type CommentPayload } from './comment-payload.js';

const account = z
  .object({ login: z.string().min(1), id: z.number().int().nonnegative().optional(), type: z.string().optional() })
  .passthrough();
const installation = z.object({ id: z.number().int().positive() }).passthrough();
const repository = z.object({ name: z.string().min(1), owner: account }).passthrough();
const pullRequest = z
  .object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable().optional(),
    html_url: z.string(),
    draft: z.boolean().optional(),
    merged: z.boolean().nullable().optional(),
    user: account,
    head: z.object({ ref: z.string(), sha: z.string() }).passthrough(),
  })
  .passthrough();

/** The pieces every webhook schema is made of; the hand-written comment check (comment-payload.ts) is tested against
 *  them, so the two cannot drift apart. */
export const WEBHOOK_PARTS = { account, installation, repository, pullRequest } as const;

const prEvent = z.object({ action: z.string(), installation, repository, sender: account, pull_request: pullRequest });
const review = z.object({
  action: z.string(),
  installation,
  repository,
  sender: account,
  pull_request: pullRequest,
  review: z.object({ state: z.string() }).passthrough(),
});

export type CommentSource = 'issue' | 'review';

interface CommentBase {
  readonly installationId: number;
  readonly repo: RepoRef;
  readonly number: number;
  readonly sender: string;
  /** The sender's numeric GitHub user id (immutable, unlike the login): identities are matched by it. */
  readonly senderId?: number | undefined;
  readonly source: CommentSource;
  readonly commentId: number;
  readonly isPullRequest: boolean;
  /** When GitHub says the comment was written (an id-less `approve` only means requests older than it). */
  readonly createdAt?: string | undefined;
}

export type GithubEvent =
  | { readonly type: 'ignore'; readonly reason: string }
  | { readonly type: 'ping' }
  | (CommentBase & { readonly type: 'command'; readonly text: string; readonly headSha?: string | undefined })
  | (CommentBase & { readonly type: 'edited_command'; readonly text: string })
  | {
      readonly type: 'pull_request';
      readonly installationId: number;
      readonly action: PullRequestEvent['action'];
      readonly pr: PullRequestEvent['pr'];
      readonly sender: string;
      readonly senderId?: number | undefined;
      readonly authorIsBot: boolean;
    };

export const isBot = (a: { login: string; type?: string | undefined }): boolean =>
  a.type === 'Bot' || /\[bot\]$/i.test(a.login);

/** The command of a comment: its first line, when it starts with `/void`. */
export function commandLine(body: string | null | undefined): string | undefined {
  const text = (body ?? '').trim();
  const end = text.indexOf('\n'); // a `\r` before it is trimmed off
  const first = end === -1 ? text : text.slice(0, end).trim();
  return /^\/void(?:\s|$)/i.test(first) ? first : undefined;
}

const VOID_MARKER = '<!-- void:';
const ignore = (reason: string): GithubEvent => ({ type: 'ignore', reason });

export function mapWebhook(name: string, payload: unknown): GithubEvent {
  switch (name) {
    case 'ping':
      return { type: 'ping' };
    case 'issue_comment':
      return mapComment(payload, 'issue');
    case 'pull_request_review_comment':
      return mapComment(payload, 'review');
    case 'pull_request':
      return mapPullRequest(payload);
    case 'pull_request_review':
      return mapReview(payload);
    case 'installation':
      return mapInstallation(payload);
    default:
      return ignore(`event ${name.slice(0, 60)} is not used by Void`);
  }
}

function mapComment(payload: unknown, source: CommentSource): GithubEvent {
  const problem = commentProblem(payload, source);
  if (problem !== undefined) return ignore(`comment payload without the expected fields (${problem})`);
  const p = payload as CommentPayload;
  if (isBot(p.sender) || p.comment.body?.includes(VOID_MARKER)) return ignore('comment by a bot or by Void itself');
  const text = commandLine(p.comment.body);
  if (!text) return ignore('comment without a /void command');
  const pr = source === 'review' ? p.pull_request : undefined;
  const isPr = pr ? true : p.issue?.pull_request !== undefined && p.issue.pull_request !== null;
  const number = pr ? pr.number : (p.issue?.number ?? 0);
  const base: CommentBase = {
    installationId: p.installation.id,
    repo: repoOf(p.repository),
    number,
    sender: p.sender.login,
    senderId: p.sender.id,
    source,
    commentId: p.comment.id,
    isPullRequest: isPr,
    ...(p.comment.created_at ? { createdAt: p.comment.created_at } : {}),
  };
  // The literal first, then the spread: `{ ...base, type }` costs a microsecond on Node 20 (a slow clone path).
  if (p.action === 'created') return { type: 'command', text, headSha: pr?.head.sha, ...base };
  if (p.action === 'edited') {
    // Editing the rest of a comment, or re-saving it unchanged, says nothing; changing its command line does.
    return commandLine(p.changes?.body?.from) === text
      ? ignore('edit that left the command unchanged')
      : { type: 'edited_command', text, ...base };
  }
  return ignore(`comment ${p.action.slice(0, 20)}: nothing to do`);
}

/** Installing the App does nothing by itself; the reason tells the operator which id to bind in the tenants file. */
function mapInstallation(payload: unknown): GithubEvent {
  const parsed = z
    .object({
      action: z.string(),
      installation: z.object({ id: z.number(), account: account.optional() }).passthrough(),
    })
    .safeParse(payload);
  if (!parsed.success) return ignore('installation payload without the expected fields');
  const { action, installation: inst } = parsed.data;
  return ignore(
    `installation ${action.slice(0, 30)}: installation id ${inst.id} for ${inst.account?.login ?? 'an account'}; ` +
      `bind it under bindings.github.installationId of its tenant`,
  );
}

const PR_ACTIONS = new Set(['opened', 'reopened', 'ready_for_review', 'synchronize', 'closed']);

function mapPullRequest(payload: unknown): GithubEvent {
  const parsed = prEvent.safeParse(payload);
  if (!parsed.success) return ignore('pull_request payload without the expected fields');
  const p = parsed.data;
  if (!PR_ACTIONS.has(p.action)) return ignore(`pull_request ${p.action.slice(0, 30)}: nothing to do`);
  const action = (
    p.action === 'closed' ? (p.pull_request.merged ? 'merged' : 'closed') : p.action
  ) as PullRequestEvent['action'];
  return {
    type: 'pull_request',
    installationId: p.installation.id,
    action,
    pr: prOf(p.repository, p.pull_request),
    sender: p.sender.login,
    senderId: p.sender.id,
    authorIsBot: isBot(p.pull_request.user),
  };
}

function mapReview(payload: unknown): GithubEvent {
  const parsed = review.safeParse(payload);
  if (!parsed.success) return ignore('pull_request_review payload without the expected fields');
  const p = parsed.data;
  if (p.action !== 'submitted' || p.review.state.toLowerCase() !== 'approved')
    return ignore('review that is not an approval');
  return {
    type: 'pull_request',
    installationId: p.installation.id,
    action: 'review_approved',
    pr: prOf(p.repository, p.pull_request),
    sender: p.sender.login,
    senderId: p.sender.id,
    authorIsBot: isBot(p.pull_request.user),
  };
}

function repoOf(r: { name: string; owner: { login: string } }): RepoRef {
  return { owner: r.owner.login, name: r.name };
}

function prOf(r: z.infer<typeof repository>, pr: z.infer<typeof pullRequest>): PullRequestEvent['pr'] {
  return {
    repo: repoOf(r),
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    url: pr.html_url,
    author: pr.user.login,
    draft: Boolean(pr.draft),
  };
}

/** `owner/repo#12` ↔ RepoRef + number: the channel of a pull request thread. */
export function prChannel(repo: RepoRef, number: number): string {
  return `${repo.owner}/${repo.name}#${number}`;
}

export function parseChannel(channel: string): { repo: RepoRef; number: number } | undefined {
  const m = /^([^/\s#]+)\/([^/\s#]+)#(\d{1,9})$/.exec(channel);
  return m ? { repo: { owner: m[1] as string, name: m[2] as string }, number: Number(m[3]) } : undefined;
}
