// The VcsPort operations that change a repository: branches, commits, pull requests, deployments, workflow runs and
// check runs. Each is idempotent (it finds its earlier result by branch, marker or external id) and none ever writes
// to the default branch or a protected branch.
import type { RepoRef } from '../../bot/core/grammar.js';
import type { CheckRunUpdate, FileChange } from '../../bot/core/vcs.port.js';
import { call, GithubPermanentError, statusOf, type GithubApi } from './octokit.js';

const full = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

/** Without `required_contexts` GitHub verifies every required status check of the commit (409 if one failed); an
 *  empty list skips them, which only an explicit policy waiver may ask for. */
const checks = (waive: boolean | undefined): { required_contexts?: string[] } =>
  waive ? { required_contexts: [] } : {};
const SHA = /^[0-9a-f]{40}$/i;

export abstract class GitWrites {
  protected abstract api(tenantId: string): GithubApi;
  protected abstract webUrl(): string;

  /** What people open for a deployment: the repository's deployments page (GitHub has no page per deployment id;
   *  the REST `url` of a deployment is JSON). */
  protected deploymentsPage(repo: RepoRef): string {
    return `${this.webUrl()}/${repo.owner}/${repo.name}/deployments`;
  }

  async getDefaultBranch(tenantId: string, repo: RepoRef): Promise<string> {
    const { data } = await call(`Reading ${full(repo)}`, () =>
      this.api(tenantId).repos.get({ owner: repo.owner, repo: repo.name }),
    );
    return data.default_branch;
  }

  /** False for a branch that does not exist (yet): GitHub then refuses a push to it itself if a rule protects it. */
  async isProtectedBranch(tenantId: string, repo: RepoRef, branch: string): Promise<boolean> {
    try {
      const { data } = await this.api(tenantId).repos.getBranch({ owner: repo.owner, repo: repo.name, branch });
      return Boolean(data.protected);
    } catch (error) {
      if (statusOf(error) === 404) return false;
      return call(`Reading branch "${branch}" of ${full(repo)}`, () => Promise.reject(error));
    }
  }

  /** The commit a branch points at; a missing branch (deleted, never pushed) fails with a clear, final error. */
  protected async branchHead(api: GithubApi, repo: RepoRef, branch: string): Promise<string | undefined> {
    try {
      const { data } = await api.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      return call(`Reading branch "${branch}" of ${full(repo)}`, () => Promise.reject(error));
    }
  }

  private missingBranch(repo: RepoRef, branch: string): GithubPermanentError {
    return new GithubPermanentError(
      'github.branch_missing',
      `Branch "${branch}" does not exist in ${full(repo)} (it may have been deleted), so nothing was changed.`,
    );
  }

  async ensureBranch(tenantId: string, repo: RepoRef, branch: string, fromRef: string): Promise<void> {
    const api = this.api(tenantId);
    if (await this.branchHead(api, repo, branch)) return;
    const sha = SHA.test(fromRef) ? fromRef : await this.branchHead(api, repo, fromRef);
    if (!sha) throw this.missingBranch(repo, fromRef);
    await call(`Creating branch "${branch}" in ${full(repo)}`, () =>
      api.git.createRef({ owner: repo.owner, repo: repo.name, ref: `refs/heads/${branch}`, sha }),
    );
  }

  /**
   * The branch's head; refuses the default branch and protected branches (Void proposes changes through pull requests).
   */
  private async writableHead(tenantId: string, repo: RepoRef, branch: string): Promise<string> {
    const defaultBranch = await this.getDefaultBranch(tenantId, repo);
    if (branch === defaultBranch) {
      throw new GithubPermanentError(
        'github.protected_branch',
        `Void never commits to ${full(repo)}'s default branch "${branch}"; it works on its own branch and opens ` +
          `a pull request.`,
      );
    }
    const head = await this.branchHead(this.api(tenantId), repo, branch);
    if (!head) throw this.missingBranch(repo, branch);
    if (await this.isProtectedBranch(tenantId, repo, branch)) {
      throw new GithubPermanentError(
        'github.protected_branch',
        `Branch "${branch}" of ${full(repo)} is protected; Void does not push to protected branches.`,
      );
    }
    return head;
  }

  async commitFiles(
    tenantId: string,
    repo: RepoRef,
    branch: string,
    message: string,
    files: readonly FileChange[],
    marker: string,
  ): Promise<{ sha: string }> {
    const head = await this.writableHead(tenantId, repo, branch);
    const api = this.api(tenantId);
    const what = `Committing to "${branch}" of ${full(repo)}`;
    const tag = `void-marker: ${marker}`;
    const { data: parent } = await call(what, () =>
      api.git.getCommit({ owner: repo.owner, repo: repo.name, commit_sha: head }),
    );
    if (parent.message.includes(tag)) return { sha: head }; // a retried job: the commit is there already
    const { data: tree } = await call(what, () =>
      api.git.createTree({
        owner: repo.owner,
        repo: repo.name,
        base_tree: parent.tree.sha,
        tree: files.map((f) => ({ path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
      }),
    );
    const { data: commit } = await call(what, () =>
      api.git.createCommit({
        owner: repo.owner,
        repo: repo.name,
        message: `${message}\n\n${tag}`,
        tree: tree.sha,
        parents: [head],
      }),
    );
    await call(what, () =>
      api.git.updateRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}`, sha: commit.sha, force: false }),
    );
    return { sha: commit.sha };
  }

  async openPullRequest(
    tenantId: string,
    repo: RepoRef,
    pr: { head: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<{ number: number; url: string }> {
    const api = this.api(tenantId);
    const what = `Opening a pull request from "${pr.head}" in ${full(repo)}`;
    const { data: open } = await call(what, () =>
      api.pulls.list({
        owner: repo.owner,
        repo: repo.name,
        head: `${repo.owner}:${pr.head}`,
        state: 'open',
        per_page: 1,
      }),
    );
    const existing = open[0];
    if (existing) return { number: existing.number, url: existing.html_url };
    if (!(await this.branchHead(api, repo, pr.head))) throw this.missingBranch(repo, pr.head);
    const { data } = await call(what, () => api.pulls.create({ owner: repo.owner, repo: repo.name, ...pr }));
    return { number: data.number, url: data.html_url };
  }

  async createDeployment(
    tenantId: string,
    repo: RepoRef,
    d: { ref: string; environment: string; description: string; marker: string; waiveStatusChecks?: boolean },
  ): Promise<{ id: number; url: string }> {
    const api = this.api(tenantId);
    const what = `Creating a ${d.environment} deployment of ${full(repo)} at ${d.ref}`;
    const { data: earlier } = await call(what, () =>
      api.repos.listDeployments({
        owner: repo.owner,
        repo: repo.name,
        ref: d.ref,
        environment: d.environment,
        per_page: 100,
      }),
    );
    const found = earlier.find((x) => (x.payload as { void_marker?: unknown } | null)?.void_marker === d.marker);
    if (found) return { id: found.id, url: this.deploymentsPage(repo) };
    const { data, status } = await call(what, () =>
      api.repos.createDeployment({
        owner: repo.owner,
        repo: repo.name,
        ref: d.ref,
        environment: d.environment,
        description: d.description.slice(0, 140),
        auto_merge: false,
        ...checks(d.waiveStatusChecks),
        payload: { void_marker: d.marker },
      }),
    );
    if (status !== 201 || !('id' in data))
      throw new GithubPermanentError(
        'github.rejected',
        `${what}: GitHub did not create it (${'message' in data ? String(data.message) : status})`,
      );
    return { id: data.id, url: this.deploymentsPage(repo) };
  }

  async setDeploymentStatus(
    tenantId: string,
    repo: RepoRef,
    deploymentId: number,
    state: 'in_progress' | 'success' | 'failure' | 'error',
    description: string,
  ): Promise<void> {
    await call(`Updating deployment ${deploymentId} of ${full(repo)}`, () =>
      this.api(tenantId).repos.createDeploymentStatus({
        owner: repo.owner,
        repo: repo.name,
        deployment_id: deploymentId,
        state,
        description: description.slice(0, 140),
      }),
    );
  }

  async getDeploymentStatus(tenantId: string, repo: RepoRef, deploymentId: number): Promise<string | undefined> {
    const { data } = await call(`Reading deployment ${deploymentId} of ${full(repo)}`, () =>
      this.api(tenantId).repos.listDeploymentStatuses({
        owner: repo.owner,
        repo: repo.name,
        deployment_id: deploymentId,
        per_page: 1,
      }),
    );
    return data[0]?.state;
  }

  /** Starts a `workflow_dispatch` workflow (e.g. a deploy pipeline) on a ref. */
  async dispatchWorkflow(
    tenantId: string,
    repo: RepoRef,
    workflow: string,
    ref: string,
    inputs: Record<string, string>,
  ): Promise<void> {
    await call(`Starting workflow ${workflow} of ${full(repo)} on ${ref}`, () =>
      this.api(tenantId).actions.createWorkflowDispatch({
        owner: repo.owner,
        repo: repo.name,
        workflow_id: workflow,
        ref,
        inputs,
      }),
    );
  }

  /** Creates the check run that mirrors a Void job (found again by its external id = marker) or updates it. */
  async upsertCheckRun(tenantId: string, repo: RepoRef, run: CheckRunUpdate): Promise<{ id: number; url: string }> {
    const api = this.api(tenantId);
    const what = `Updating check "${run.name}" on ${full(repo)}`;
    const { data: list } = await call(what, () =>
      api.checks.listForRef({
        owner: repo.owner,
        repo: repo.name,
        ref: run.headSha,
        check_name: run.name,
        per_page: 100,
      }),
    );
    const earlier = list.check_runs.find((c) => c.external_id === run.marker);
    const fields = {
      owner: repo.owner,
      repo: repo.name,
      name: run.name,
      external_id: run.marker,
      status: run.status,
      ...(run.conclusion ? { conclusion: run.conclusion } : {}),
      ...(run.detailsUrl ? { details_url: run.detailsUrl } : {}),
      output: { title: run.title.slice(0, 255), summary: run.summary.slice(0, 60_000) },
    };
    const { data } = earlier
      ? await call(what, () => api.checks.update({ ...fields, check_run_id: earlier.id }))
      : await call(what, () => api.checks.create({ ...fields, head_sha: run.headSha }));
    return { id: data.id, url: data.html_url ?? data.url };
  }
}
