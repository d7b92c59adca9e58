// The VCS port on a local Git repository, for the console demo and for teams without GitHub: `review HEAD~1` reads a
// local diff, a review is written next to the repository's git data, and `deploy` records a local deployment (a tag
// `void-deploy/<environment>/<id>` and a line in .git/void/deployments.jsonl), and `implement` commits the agent's
// change on a new branch `void/<ticket>` (branch.ts) without touching the checkout. Nothing is pushed or run anywhere.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { ChangedFile, FileChange, PullRequestInfo, ReviewSubmission, VcsPort } from '../../bot/core/vcs.port.js';
import { commitToLocalBranch, ensureLocalBranch } from './branch.js';
import { git, gitMaybe, parseUnifiedDiff } from './git.js';

/** git's empty tree: the base of a repository's first commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

interface DeploymentLine {
  readonly type: 'deployment' | 'status';
  readonly id: number;
  readonly at: string;
  readonly marker?: string;
  readonly ref?: string;
  readonly sha?: string;
  readonly environment?: string;
  readonly state?: string;
  readonly description: string;
}

function unsupported(what: string): never {
  throw new UnrecoverableError(
    `local_git.unsupported: the local git repository cannot ${what}; configure the GitHub App for that ` +
      `(docs/github.md)`,
  );
}

export class LocalGitVcs implements VcsPort {
  private constructor(
    readonly dir: string,
    private readonly gitDir: string,
  ) {}

  /** The repository containing `dir`, or undefined when `dir` is not inside a git work tree. */
  static async open(dir: string): Promise<LocalGitVcs | undefined> {
    const top = await gitMaybe(dir, ['rev-parse', '--show-toplevel']);
    const gitDir = top ? await gitMaybe(top, ['rev-parse', '--absolute-git-dir']) : undefined;
    return top && gitDir ? new LocalGitVcs(top, gitDir) : undefined;
  }

  get repo(): RepoRef {
    return { owner: 'local', name: basename(this.dir) };
  }

  get local(): { dir: string; repo: RepoRef } {
    return { dir: this.dir, repo: this.repo };
  }

  get deploymentsLog(): string {
    return join(this.gitDir, 'void', 'deployments.jsonl');
  }

  private async commit(rev: string): Promise<string> {
    const sha = await gitMaybe(this.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    if (!sha)
      throw new UnrecoverableError(
        `local_git.unknown_revision: "${rev}" is not a commit, branch or tag in ${this.dir}`,
      );
    return sha;
  }

  /**
   * What `review <rev>` reviews, read as `git diff` would: another branch against where it left the current branch;
   * an ancestor of HEAD (`HEAD~1`) as everything since it, up to HEAD; HEAD itself or any other commit as that commit.
   */
  private async range(rev: string, sha: string): Promise<{ base: string | undefined; head: string; title: string }> {
    const current = await this.getDefaultBranch();
    const head = await this.commit('HEAD');
    const isBranch = (await gitMaybe(this.dir, ['show-ref', '--verify', '--quiet', `refs/heads/${rev}`])) !== undefined;
    if (isBranch && rev !== current)
      return {
        base: await gitMaybe(this.dir, ['merge-base', head, sha]),
        head: sha,
        title: `branch ${rev} (compared with ${current})`,
      };
    const ancestor =
      sha !== head && (await gitMaybe(this.dir, ['merge-base', '--is-ancestor', sha, head])) !== undefined;
    if (ancestor) return { base: sha, head, title: `changes since ${rev} (${sha.slice(0, 7)}) up to ${current}` };
    return { base: await gitMaybe(this.dir, ['rev-parse', '--verify', '--quiet', `${sha}^`]), head: sha, title: '' };
  }

  async describeRevision(_tenantId: string, rev: string): Promise<{ pr: PullRequestInfo; files: ChangedFile[] }> {
    const { base, head, title } = await this.range(rev, await this.commit(rev));
    const diff = await git(this.dir, ['diff', '--no-color', '--no-ext-diff', '-M', base ?? EMPTY_TREE, head]);
    const log = await git(this.dir, ['log', '--format=- %s (%an)', base ? `${base}..${head}` : head]);
    const [subject = '', author = ''] = (await git(this.dir, ['show', '-s', '--format=%s%n%an', head])).split('\n');
    const pr: PullRequestInfo = {
      repo: this.repo,
      number: 0,
      title: title || `commit ${head.slice(0, 7)} "${subject}"`,
      body: `Commits:\n${log.trim()}`,
      author,
      headSha: head,
      headRef: rev,
      baseRef: base ?? EMPTY_TREE,
      draft: false,
      url: `file://${this.dir}`,
    };
    return { pr, files: parseUnifiedDiff(diff) };
  }

  async getFile(_tenantId: string, _repo: RepoRef, path: string, ref = 'HEAD'): Promise<string | undefined> {
    if (path.startsWith('-') || ref.startsWith('-')) return undefined;
    return gitMaybe(this.dir, ['show', `${ref}:${path}`]);
  }

  /** The review goes to .git/void/reviews/<sha>.md; the job's answer carries it to the person who asked. */
  async postReview(
    _tenantId: string,
    _repo: RepoRef,
    _number: number,
    review: ReviewSubmission,
  ): Promise<{ url: string }> {
    const dir = join(this.gitDir, 'void', 'reviews');
    await mkdir(dir, { recursive: true });
    const file = join(
      dir,
      `${review.commitSha.slice(0, 12)}-${createHash('sha256').update(review.marker).digest('hex').slice(0, 8)}.md`,
    );
    const comments = review.comments.map((c) => `- ${c.path}:${c.line}: ${c.body}`);
    await writeFile(
      file,
      [
        `# Review of ${review.commitSha} (${review.verdict})`,
        '',
        review.summary,
        ...(comments.length ? ['', ...comments] : []),
        '',
      ].join('\n'),
    );
    return { url: `file://${file}` };
  }

  async getDefaultBranch(): Promise<string> {
    return (await gitMaybe(this.dir, ['symbolic-ref', '--short', '-q', 'HEAD'])) ?? 'HEAD';
  }

  async isProtectedBranch(_tenantId: string, _repo: RepoRef, branch: string): Promise<boolean> {
    return branch === (await this.getDefaultBranch());
  }

  private async readLog(): Promise<DeploymentLine[]> {
    const text = await readFile(this.deploymentsLog, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeploymentLine);
  }

  private async append(line: DeploymentLine): Promise<void> {
    await mkdir(join(this.gitDir, 'void'), { recursive: true });
    await appendFile(this.deploymentsLog, `${JSON.stringify(line)}\n`);
  }

  /** Records the deployment once per marker (a retried job finds it), tags the commit, and marks it done. */
  async createDeployment(
    _tenantId: string,
    _repo: RepoRef,
    d: { ref: string; environment: string; description: string; marker: string },
  ): Promise<{ id: number; url: string }> {
    const log = await this.readLog();
    const url = `file://${this.deploymentsLog}`;
    const existing = log.find((l) => l.type === 'deployment' && l.marker === d.marker);
    if (existing) return { id: existing.id, url };
    const sha = await this.commit(d.ref);
    const id = log.filter((l) => l.type === 'deployment').length + 1;
    const at = new Date().toISOString();
    await this.append({
      type: 'deployment',
      id,
      at,
      marker: d.marker,
      ref: d.ref,
      sha,
      environment: d.environment,
      description: d.description,
    });
    await git(this.dir, ['tag', `void-deploy/${d.environment}/${id}`, sha]);
    await this.append({
      type: 'status',
      id,
      at,
      state: 'success',
      description: `recorded in the local repository as tag void-deploy/${d.environment}/${id}`,
    });
    return { id, url };
  }

  async setDeploymentStatus(
    _tenantId: string,
    _repo: RepoRef,
    id: number,
    state: 'in_progress' | 'success' | 'failure' | 'error',
    description: string,
  ): Promise<void> {
    await this.append({ type: 'status', id, at: new Date().toISOString(), state, description });
  }

  async getDeploymentStatus(_tenantId: string, _repo: RepoRef, id: number): Promise<string | undefined> {
    return (await this.readLog()).filter((l) => l.type === 'status' && l.id === id).at(-1)?.state;
  }

  getPullRequest(): Promise<PullRequestInfo> {
    return unsupported('read pull requests (review a local revision instead, like: review HEAD~1)');
  }

  listFiles(): Promise<ChangedFile[]> {
    return unsupported('list the files of a pull request (review a local revision instead, like: review HEAD~1)');
  }

  upsertComment(): Promise<{ url: string }> {
    return unsupported('comment on pull requests');
  }

  /** A new local branch (never checked out); `implement` writes there, never on the branch checked out now. */
  async ensureBranch(_tenantId: string, _repo: RepoRef, branch: string, fromRef: string): Promise<void> {
    await ensureLocalBranch(this.dir, branch, await this.commit(fromRef));
  }

  async commitFiles(
    _t: string,
    _r: RepoRef,
    branch: string,
    message: string,
    files: readonly FileChange[],
    marker: string,
  ): Promise<{ sha: string }> {
    if (branch === (await this.getDefaultBranch()))
      throw new UnrecoverableError(
        `git.default_branch: Void never commits to the branch checked out in ${this.dir} (${branch})`,
      );
    return { sha: await commitToLocalBranch(this.dir, branch, message, files, marker) };
  }

  openPullRequest(): Promise<{ number: number; url: string }> {
    return unsupported('open pull requests');
  }
}
