// Reading the commits of a range or of a pull request with their authors (login, id, e-mail): three GitHub calls
// and the shapes they answer with. Apart from client.ts so that the VcsPort implementation stays readable.
import type { RepoRef } from '../../bot/core/grammar.js';
import type { CommitInfo, CommitRange } from '../../bot/core/vcs.port.js';
import { call, type GithubApi } from './octokit.js';

const repoName = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

/** Commits of a range (compare, at most 250) or of a pull request, with their authors. */
export async function commitsOf(api: GithubApi, repo: RepoRef, range: CommitRange): Promise<CommitInfo[]> {
  type Raw = {
    sha: string;
    author?: { login?: string; id?: number } | null;
    commit: { author?: { email?: string } | null };
  };
  if ('sha' in range) {
    const { data } = await call(`Reading commit ${range.sha.slice(0, 12)} of ${repoName(repo)}`, () =>
      api.repos.getCommit({ owner: repo.owner, repo: repo.name, ref: range.sha }),
    );
    return [
      {
        sha: data.sha,
        authorLogin: data.author?.login,
        authorId: data.author?.id,
        authorEmail: data.commit.author?.email,
      },
    ];
  }
  const raw: Raw[] =
    'pullNumber' in range
      ? await call(`Listing the commits of ${repoName(repo)}#${range.pullNumber}`, () =>
          api.paginate(api.pulls.listCommits, {
            owner: repo.owner,
            repo: repo.name,
            pull_number: range.pullNumber,
            per_page: 100,
          }),
        )
      : (
          await call(`Comparing ${range.base.slice(0, 12)}...${range.head.slice(0, 12)} in ${repoName(repo)}`, () =>
            api.repos.compareCommitsWithBasehead({
              owner: repo.owner,
              repo: repo.name,
              basehead: `${range.base}...${range.head}`,
            }),
          )
        ).data.commits;
  return raw.map((c) => ({
    sha: c.sha,
    authorLogin: c.author?.login,
    authorId: c.author?.id,
    authorEmail: c.commit.author?.email,
  }));
}
