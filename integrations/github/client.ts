// The outbound GitHub client: implements VcsPort for the agents (by tenant) and the few installation-level calls the
// adapter needs (reactions, reply comments). Every side effect carries a hidden marker `<!-- void:<marker> -->`, so a
// retried job finds and updates what it posted before instead of posting it twice.
import type { RepoRef } from '../../bot/core/grammar.js';
import { VoidError } from '../../bot/core/errors.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type {
  ChangedFile,
  CommitInfo,
  CommitRange,
  PullRequestInfo,
  ReviewSubmission,
  VcsPort,
} from '../../bot/core/vcs.port.js';
import type { Logger } from '../../bot/core/logger.js';
import {
  call,
  createInstallationOctokit,
  statusOf,
  type AppCredentials,
  type GithubApi,
  type OctokitTuning,
} from './octokit.js';
import { GitWrites } from './writes.js';
import { commitsOf } from './commits.js';

export const markerTag = (marker: string): string => `<!-- void:${marker.replace(/[^A-Za-z0-9:._/#@-]/g, '_')} -->`;

export function withMarker(body: string, marker: string): string {
  return `${body}\n\n${markerTag(marker)}`;
}

const repoName = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

export class GithubClient extends GitWrites implements VcsPort {
  private readonly apis = new Map<number, GithubApi>();
  /** Recently used comment ids by marker: saves a listing per progress update (other replicas fall back to it). */
  private readonly commentIds = new Map<string, number>();

  constructor(
    private readonly creds: AppCredentials,
    private readonly registry: TenantRegistry,
    private readonly log: Logger,
    private readonly tuning: OctokitTuning = {},
  ) {
    super();
  }

  /** The Octokit of one App installation (its token is fetched on first use and cached until it expires). */
  forInstallation(installationId: number): GithubApi {
    let api = this.apis.get(installationId);
    if (!api) {
      api = createInstallationOctokit(this.creds, installationId, this.log, this.tuning);
      this.apis.set(installationId, api);
    }
    return api;
  }

  protected webUrl(): string {
    return (this.creds.webUrl ?? 'https://github.com').replace(/\/+$/, '');
  }

  protected api(tenantId: string): GithubApi {
    const installationId = this.registry.get(tenantId)?.bindings.github?.installationId;
    if (!installationId)
      throw new VoidError(
        'github.no_installation',
        `Tenant ${tenantId} has no GitHub installation in the tenants file.`,
      );
    return this.forInstallation(installationId);
  }

  async getPullRequest(tenantId: string, repo: RepoRef, number: number): Promise<PullRequestInfo> {
    const { data } = await call(`Reading pull request ${repoName(repo)}#${number}`, () =>
      this.api(tenantId).pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number }),
    );
    return {
      repo,
      number: data.number,
      title: data.title,
      body: data.body ?? '',
      author: data.user?.login ?? 'ghost',
      headSha: data.head.sha,
      headRef: data.head.ref,
      baseRef: data.base.ref,
      draft: Boolean(data.draft),
      url: data.html_url,
    };
  }

  async listFiles(tenantId: string, repo: RepoRef, number: number): Promise<ChangedFile[]> {
    const api = this.api(tenantId);
    const files = await call(`Listing the files of ${repoName(repo)}#${number}`, () =>
      api.paginate(api.pulls.listFiles, { owner: repo.owner, repo: repo.name, pull_number: number, per_page: 100 }),
    );
    return files.map((f) => ({
      path: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      patch: f.patch,
    }));
  }

  /** The unified diff of a pull request. */
  async getDiff(tenantId: string, repo: RepoRef, number: number): Promise<string> {
    const { data } = await call(`Reading the diff of ${repoName(repo)}#${number}`, () =>
      this.api(tenantId).pulls.get({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        mediaType: { format: 'diff' },
      }),
    );
    return String(data);
  }

  async getFile(tenantId: string, repo: RepoRef, path: string, ref?: string): Promise<string | undefined> {
    try {
      const { data } = await this.api(tenantId).repos.getContent({
        owner: repo.owner,
        repo: repo.name,
        path,
        ...(ref ? { ref } : {}),
      });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      return call(`Reading ${path} in ${repoName(repo)}`, () => Promise.reject(error));
    }
  }

  async postReview(
    tenantId: string,
    repo: RepoRef,
    number: number,
    review: ReviewSubmission,
  ): Promise<{ url: string }> {
    const api = this.api(tenantId);
    const what = `Posting the review on ${repoName(repo)}#${number}`;
    const body = withMarker(review.summary, review.marker);
    const existing = await call(what, () =>
      api.paginate(api.pulls.listReviews, { owner: repo.owner, repo: repo.name, pull_number: number, per_page: 100 }),
    );
    const earlier = existing.find((r) => r.body?.includes(markerTag(review.marker)));
    if (earlier) {
      const { data } = await call(what, () =>
        api.pulls.updateReview({
          owner: repo.owner,
          repo: repo.name,
          pull_number: number,
          review_id: earlier.id,
          body,
        }),
      );
      return { url: data.html_url };
    }
    const event =
      review.verdict === 'approve' ? 'APPROVE' : review.verdict === 'request_changes' ? 'REQUEST_CHANGES' : 'COMMENT';
    const { data } = await call(what, () =>
      api.pulls.createReview({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        commit_id: review.commitSha,
        body,
        event,
        comments: review.comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT', body: c.body })),
      }),
    );
    return { url: data.html_url };
  }

  async upsertComment(
    tenantId: string,
    repo: RepoRef,
    number: number,
    body: string,
    marker: string,
  ): Promise<{ url: string }> {
    const { url } = await this.upsertMarkedComment(this.api(tenantId), repo, number, body, marker);
    return { url };
  }

  /** Creates the issue comment carrying `marker`, or edits it when it exists (found by cache, then by listing). */
  async upsertMarkedComment(
    api: GithubApi,
    repo: RepoRef,
    number: number,
    body: string,
    marker: string,
  ): Promise<{ url: string; id: number }> {
    const what = `Writing a comment on ${repoName(repo)}#${number}`;
    const text = withMarker(body, marker);
    const cacheKey = `${repoName(repo)}#${number}\u0000${marker}`.toLowerCase();
    let id = this.commentIds.get(cacheKey);
    if (id === undefined) {
      const comments = await call(what, () =>
        api.paginate(api.issues.listComments, {
          owner: repo.owner,
          repo: repo.name,
          issue_number: number,
          per_page: 100,
        }),
      );
      id = comments.find((c) => c.body?.includes(markerTag(marker)))?.id;
    }
    if (id !== undefined) {
      try {
        const { data } = await api.issues.updateComment({
          owner: repo.owner,
          repo: repo.name,
          comment_id: id,
          body: text,
        });
        this.remember(cacheKey, data.id);
        return { url: data.html_url, id: data.id };
      } catch (error) {
        if (statusOf(error) !== 404) return call(what, () => Promise.reject(error));
        this.commentIds.delete(cacheKey); // deleted by someone: post it again
      }
    }
    const { data } = await call(what, () =>
      api.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: number, body: text }),
    );
    this.remember(cacheKey, data.id);
    return { url: data.html_url, id: data.id };
  }

  async resolveCommit(tenantId: string, repo: RepoRef, ref: string): Promise<string> {
    const { data } = await call(`Resolving ${ref} in ${repoName(repo)}`, () =>
      this.api(tenantId).repos.getCommit({ owner: repo.owner, repo: repo.name, ref }),
    );
    return data.sha;
  }

  /** Commits of a range (compare, at most 250) or of a pull request, with their authors. */
  async listCommits(tenantId: string, repo: RepoRef, range: CommitRange): Promise<CommitInfo[]> {
    return commitsOf(this.api(tenantId), repo, range);
  }

  async lastDeployedSha(tenantId: string, repo: RepoRef, environment: string): Promise<string | undefined> {
    const { data } = await call(`Reading the deployments of ${repoName(repo)}`, () =>
      this.api(tenantId).repos.listDeployments({ owner: repo.owner, repo: repo.name, environment, per_page: 1 }),
    );
    return data[0]?.sha;
  }

  /** Reacts to the comment that carried a command (👀 = "seen, working on it"). */
  async react(
    api: GithubApi,
    repo: RepoRef,
    commentId: number,
    source: 'issue' | 'review',
    content: 'eyes' | 'confused' = 'eyes',
  ): Promise<void> {
    const args = { owner: repo.owner, repo: repo.name, comment_id: commentId, content };
    await call(`Reacting to comment ${commentId} in ${repoName(repo)}`, () =>
      source === 'issue'
        ? api.reactions.createForIssueComment(args)
        : api.reactions.createForPullRequestReviewComment(args),
    );
  }

  private remember(key: string, id: number): void {
    if (this.commentIds.size >= 2000) this.commentIds.delete(this.commentIds.keys().next().value as string);
    this.commentIds.set(key, id);
  }
}
