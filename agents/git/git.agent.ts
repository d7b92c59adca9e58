// GitAgent: branch, commit and draft pull request linked to the ticket. It never writes to the default branch or
// to a protected branch; every write carries a marker so that a retried job reuses what the first attempt made.
import { UnrecoverableError } from 'bullmq';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { FileChange, VcsPort } from '../../bot/core/vcs.port.js';

export function branchFor(ticketKey: string): string {
  return `void/${ticketKey.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
}

export class GitAgent {
  constructor(
    private readonly vcs: VcsPort,
    private readonly tenantId: string,
    private readonly repo: RepoRef,
  ) {}

  /** The base (default) branch, after checking that `branch` is neither the default nor protected. */
  async prepareBranch(branch: string): Promise<string> {
    const base = await this.vcs.getDefaultBranch(this.tenantId, this.repo);
    if (branch === base)
      throw new UnrecoverableError(`git.default_branch: Void never pushes to the default branch (${base})`);
    // The branch must exist before GitHub can say whether it is protected (a pattern rule may cover a new branch).
    await this.vcs.ensureBranch(this.tenantId, this.repo, branch, base);
    if (await this.vcs.isProtectedBranch(this.tenantId, this.repo, branch)) {
      throw new UnrecoverableError(
        `git.protected_branch: ${branch} is protected; Void never pushes to a protected branch`,
      );
    }
    return base;
  }

  async commit(branch: string, message: string, files: readonly FileChange[], marker: string): Promise<string> {
    const { sha } = await this.vcs.commitFiles(
      this.tenantId,
      this.repo,
      branch,
      `${message}\n\n${marker}`,
      files,
      marker,
    );
    return sha;
  }

  async openDraft(pr: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<{ number: number; url: string }> {
    return this.vcs.openPullRequest(this.tenantId, this.repo, {
      head: pr.branch,
      base: pr.base,
      title: pr.title,
      body: pr.body,
      draft: true,
    });
  }
}
