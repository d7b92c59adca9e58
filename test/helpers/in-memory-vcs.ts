// An in-memory VcsPort for the agents tests: pull requests, files, reviews, comments, branches, commits and
// deployments kept in maps, with the marker semantics the real GitHub client promises (a retried side effect
// updates what it wrote before). helpers/agents.ts re-exports it.
import { randomUUID } from 'node:crypto';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { ChangedFile, FileChange, PullRequestInfo, ReviewSubmission, VcsPort } from '../../bot/core/vcs.port.js';

export interface PullRequestFixture {
  readonly pr: PullRequestInfo;
  readonly files: ChangedFile[];
}

const key = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

export class InMemoryVcs implements VcsPort {
  readonly prs = new Map<string, PullRequestFixture>();
  readonly contents = new Map<string, string>();
  readonly reviews: Array<{ repo: string; number: number; review: ReviewSubmission }> = [];
  readonly comments: Array<{ repo: string; number: number; body: string; marker: string }> = [];
  readonly branches = new Map<string, string>();
  readonly commits: Array<{
    repo: string;
    branch: string;
    message: string;
    files: readonly FileChange[];
    marker: string;
    sha: string;
  }> = [];
  readonly pulls: Array<{
    repo: string;
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
    url: string;
  }> = [];
  readonly deployments: Array<{
    repo: string;
    id: number;
    ref: string;
    environment: string;
    marker: string;
    statuses: string[];
  }> = [];
  readonly writes: string[] = [];
  readonly protectedBranches = new Set<string>(['main', 'release']);
  /** Faults to inject: method name → how many calls still fail, and the error. */
  readonly faults = new Map<string, { times: number; error: Error }>();
  defaultBranch = 'main';
  /** Deployment statuses returned one after the other by getDeploymentStatus. */
  deploymentScript: string[] = ['queued', 'in_progress', 'success'];

  addPullRequest(fixture: PullRequestFixture): void {
    this.prs.set(`${key(fixture.pr.repo)}#${fixture.pr.number}`, fixture);
  }

  private fault(method: string): void {
    const f = this.faults.get(method);
    if (f && f.times > 0) {
      f.times -= 1;
      throw f.error;
    }
  }

  private pr(repo: RepoRef, number: number): PullRequestFixture {
    const found = this.prs.get(`${key(repo)}#${number}`);
    if (!found) throw Object.assign(new Error(`Not Found: ${key(repo)}#${number}`), { status: 404 });
    return found;
  }

  async getPullRequest(_t: string, repo: RepoRef, number: number) {
    return this.pr(repo, number).pr;
  }
  async listFiles(_t: string, repo: RepoRef, number: number) {
    return this.pr(repo, number).files;
  }
  async getFile(_t: string, repo: RepoRef, path: string) {
    return this.contents.get(`${key(repo)}:${path}`);
  }
  async postReview(_t: string, repo: RepoRef, number: number, review: ReviewSubmission) {
    this.fault('postReview');
    this.writes.push(`postReview ${key(repo)}#${number}`);
    const existing = this.reviews.findIndex((r) => r.review.marker === review.marker);
    if (existing >= 0) this.reviews[existing] = { repo: key(repo), number, review };
    else this.reviews.push({ repo: key(repo), number, review });
    return { url: `https://github.test/${key(repo)}/pull/${number}#review-${this.reviews.length}` };
  }
  async upsertComment(_t: string, repo: RepoRef, number: number, body: string, marker: string) {
    this.writes.push(`upsertComment ${key(repo)}#${number}`);
    const existing = this.comments.find((c) => c.marker === marker);
    if (existing) existing.body = body;
    else this.comments.push({ repo: key(repo), number, body, marker });
    return { url: `https://github.test/${key(repo)}/pull/${number}#comment` };
  }
  async getDefaultBranch() {
    return this.defaultBranch;
  }
  async isProtectedBranch(_t: string, _repo: RepoRef, branch: string) {
    return this.protectedBranches.has(branch);
  }
  async ensureBranch(_t: string, repo: RepoRef, branch: string, fromRef: string) {
    this.writes.push(`ensureBranch ${key(repo)} ${branch}`);
    if (!this.branches.has(`${key(repo)}:${branch}`)) this.branches.set(`${key(repo)}:${branch}`, fromRef);
  }
  async commitFiles(
    _t: string,
    repo: RepoRef,
    branch: string,
    message: string,
    files: readonly FileChange[],
    marker: string,
  ) {
    this.fault('commitFiles');
    this.writes.push(`commitFiles ${key(repo)} ${branch}`);
    const existing = this.commits.find((c) => c.repo === key(repo) && c.branch === branch && c.marker === marker);
    if (existing) return { sha: existing.sha };
    const sha = randomUUID().replace(/-/g, '').slice(0, 40);
    this.commits.push({ repo: key(repo), branch, message, files, marker, sha });
    return { sha };
  }
  async openPullRequest(
    _t: string,
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string; draft: boolean },
  ) {
    this.fault('openPullRequest');
    this.writes.push(`openPullRequest ${key(repo)} ${pr.head}`);
    const existing = this.pulls.find((p) => p.repo === key(repo) && p.head === pr.head);
    if (existing) return { number: existing.number, url: existing.url };
    const number = 100 + this.pulls.length;
    const url = `https://github.test/${key(repo)}/pull/${number}`;
    this.pulls.push({ repo: key(repo), number, url, ...pr });
    return { number, url };
  }
  async createDeployment(
    _t: string,
    repo: RepoRef,
    d: { ref: string; environment: string; description: string; marker: string },
  ) {
    this.writes.push(`createDeployment ${key(repo)} ${d.environment}`);
    const existing = this.deployments.find((x) => x.marker === d.marker);
    if (existing) return { id: existing.id, url: `https://github.test/${key(repo)}/deployments/${existing.id}` };
    const id = 500 + this.deployments.length;
    this.deployments.push({
      repo: key(repo),
      id,
      ref: d.ref,
      environment: d.environment,
      marker: d.marker,
      statuses: [],
    });
    return { id, url: `https://github.test/${key(repo)}/deployments/${id}` };
  }
  async setDeploymentStatus(_t: string, _repo: RepoRef, id: number, state: string) {
    this.deployments.find((d) => d.id === id)?.statuses.push(state);
  }
  async getDeploymentStatus() {
    return this.deploymentScript.length > 1 ? this.deploymentScript.shift() : this.deploymentScript[0];
  }
}
