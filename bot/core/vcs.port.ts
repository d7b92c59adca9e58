// What agents need from a version-control host (GitHub). integrations/github implements it with Octokit.
// Every side effect takes a `marker`: a hidden, deterministic tag that makes a retried job update its earlier
// comment, review or pull request instead of creating a second one.
import type { RepoRef } from './grammar.js';

export interface PullRequestInfo {
  readonly repo: RepoRef;
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly author: string;
  readonly headSha: string;
  readonly headRef: string;
  readonly baseRef: string;
  readonly draft: boolean;
  readonly url: string;
}

export interface ChangedFile {
  readonly path: string;
  readonly status: 'added' | 'modified' | 'removed' | 'renamed' | 'changed' | 'copied' | 'unchanged';
  readonly additions: number;
  readonly deletions: number;
  /** Unified diff hunks; absent for binary or very large files. */
  readonly patch?: string | undefined;
}

export interface ReviewComment {
  readonly path: string;
  readonly line: number;
  readonly body: string;
}

export interface ReviewSubmission {
  readonly commitSha: string;
  readonly summary: string;
  readonly verdict: 'comment' | 'request_changes' | 'approve';
  readonly comments: readonly ReviewComment[];
  readonly marker: string;
}

export interface FileChange {
  readonly path: string;
  readonly content: string;
}

export interface VcsPort {
  /** Set by a repository on this machine (the console demo, VOID_LOCAL_REPO): no pull requests; revisions are local. */
  readonly local?: { readonly dir: string; readonly repo: RepoRef };
  getPullRequest(tenantId: string, repo: RepoRef, number: number): Promise<PullRequestInfo>;
  listFiles(tenantId: string, repo: RepoRef, number: number): Promise<ChangedFile[]>;
  /** A file's text at a ref; undefined when it does not exist. */
  getFile(tenantId: string, repo: RepoRef, path: string, ref?: string): Promise<string | undefined>;
  postReview(tenantId: string, repo: RepoRef, number: number, review: ReviewSubmission): Promise<{ url: string }>;
  /** Creates the comment carrying `marker`, or updates it when it exists already. */
  upsertComment(
    tenantId: string,
    repo: RepoRef,
    number: number,
    body: string,
    marker: string,
  ): Promise<{ url: string }>;
  getDefaultBranch(tenantId: string, repo: RepoRef): Promise<string>;
  isProtectedBranch(tenantId: string, repo: RepoRef, branch: string): Promise<boolean>;
  /** Creates the branch from `fromRef` unless it exists. */
  ensureBranch(tenantId: string, repo: RepoRef, branch: string, fromRef: string): Promise<void>;
  /** One commit with these files on the branch; a commit whose message carries `marker` already there is reused. */
  commitFiles(
    tenantId: string,
    repo: RepoRef,
    branch: string,
    message: string,
    files: readonly FileChange[],
    marker: string,
  ): Promise<{ sha: string }>;
  /** Opens a pull request from `head`, or returns the open one from that branch. */
  openPullRequest(
    tenantId: string,
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<{ number: number; url: string }>;
  /** Creates a deployment of exactly `ref` (a commit SHA when approved). The repository's required status checks are
   *  honoured unless `waiveStatusChecks` is set (a tenant policy that says so explicitly). */
  /** `url` is a web page people open (never a REST API URL). */
  createDeployment(
    tenantId: string,
    repo: RepoRef,
    deployment: { ref: string; environment: string; description: string; marker: string; waiveStatusChecks?: boolean },
  ): Promise<{ id: number; url: string }>;
  setDeploymentStatus(
    tenantId: string,
    repo: RepoRef,
    deploymentId: number,
    state: 'in_progress' | 'success' | 'failure' | 'error',
    description: string,
  ): Promise<void>;
  getDeploymentStatus(tenantId: string, repo: RepoRef, deploymentId: number): Promise<string | undefined>;
  // Optional (added with the GitHub App; other implementations need not offer them).
  /** The unified diff of a pull request. */
  getDiff?(tenantId: string, repo: RepoRef, number: number): Promise<string>;
  /** Starts a `workflow_dispatch` workflow on a ref. */
  dispatchWorkflow?(
    tenantId: string,
    repo: RepoRef,
    workflow: string,
    ref: string,
    inputs: Record<string, string>,
  ): Promise<void>;
  /** The commit SHA a ref (branch, tag, SHA) points at now. */
  resolveCommit?(tenantId: string, repo: RepoRef, ref: string): Promise<string>;
  /** Commits in `base...head` (oldest first), or of one pull request: who wrote what is being approved. */
  listCommits?(tenantId: string, repo: RepoRef, range: CommitRange): Promise<CommitInfo[]>;
  /** The commit SHA of the latest deployment to an environment, if any. */
  lastDeployedSha?(tenantId: string, repo: RepoRef, environment: string): Promise<string | undefined>;
  /**
   * A local revision (`HEAD~1`, a branch) presented as a change to review: the commit against its parent, a branch
   * against the default branch. Offered by the local git repository (the console demo), not by GitHub.
   */
  describeRevision?(tenantId: string, rev: string): Promise<{ pr: PullRequestInfo; files: ChangedFile[] }>;
  /** Creates or updates the check run that mirrors a Void job; `marker` is its external id. */
  upsertCheckRun?(tenantId: string, repo: RepoRef, run: CheckRunUpdate): Promise<{ id: number; url: string }>;
}

/** `base...head`, one pull request's commits, or one commit. */
export type CommitRange = { base: string; head: string } | { pullNumber: number } | { sha: string };

/** One commit and its author as GitHub knows them (a linked account when GitHub matched the e-mail, else none). */
export interface CommitInfo {
  readonly sha: string;
  readonly authorLogin?: string | undefined;
  readonly authorId?: number | undefined;
  readonly authorEmail?: string | undefined;
}

export interface CheckRunUpdate {
  readonly headSha: string;
  readonly name: string;
  readonly marker: string;
  readonly status: 'queued' | 'in_progress' | 'completed';
  readonly conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required' | undefined;
  readonly title: string;
  readonly summary: string;
  readonly detailsUrl?: string | undefined;
}

/** A pull request lifecycle event, published by the GitHub integration to whoever listens (e.g. JIRA transitions). */
export interface PullRequestEvent {
  readonly tenantId: string;
  readonly action: 'opened' | 'reopened' | 'ready_for_review' | 'synchronize' | 'review_approved' | 'merged' | 'closed';
  readonly pr: Pick<
    PullRequestInfo,
    'repo' | 'number' | 'title' | 'body' | 'headRef' | 'headSha' | 'url' | 'author' | 'draft'
  >;
  readonly deliveryId: string;
}

export type PullRequestListener = (event: PullRequestEvent) => Promise<void>;
