// Writing an agent's change onto a new local branch without touching the work tree, the index or the current
// branch: blobs with `git hash-object -w`, trees with `git mktree` (level by level), a commit with `git commit-tree`
// and the branch moved with `git update-ref` (compare-and-swap on the old tip). The person's checkout never changes.
import { git, gitMaybe } from './git.js';

/** The agent is the author and committer of what it writes (a person reviews it before merging). */
const IDENTITY = ['-c', 'user.name=Void', '-c', 'user.email=void@localhost'];

interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
  name: string;
}

async function readTree(dir: string, tree: string | undefined): Promise<TreeEntry[]> {
  if (!tree) return [];
  const text = await git(dir, ['ls-tree', '-z', tree]);
  return text
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta = '', name = ''] = line.split('\t');
      const [mode = '', type = '', sha = ''] = meta.split(' ');
      return { mode, type, sha, name };
    });
}

/** The tree `base` with `files` (path → blob sha) written in, built bottom-up. */
async function withFiles(dir: string, base: string | undefined, files: ReadonlyMap<string, string>): Promise<string> {
  const entries = await readTree(dir, base);
  const here = new Map<string, TreeEntry>(entries.map((e) => [e.name, e]));
  const below = new Map<string, Map<string, string>>();
  for (const [path, blob] of files) {
    const slash = path.indexOf('/');
    if (slash < 0) here.set(path, { mode: '100644', type: 'blob', sha: blob, name: path });
    else {
      const head = path.slice(0, slash);
      if (!below.has(head)) below.set(head, new Map());
      below.get(head)?.set(path.slice(slash + 1), blob);
    }
  }
  for (const [name, inner] of below) {
    const existing = here.get(name);
    const subtree = await withFiles(dir, existing?.type === 'tree' ? existing.sha : undefined, inner);
    here.set(name, { mode: '040000', type: 'tree', sha: subtree, name });
  }
  const input = [...here.values()].map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}`).join('\0');
  return (await git(dir, ['mktree', '-z'], input ? `${input}\0` : '')).trim();
}

/** Creates `refs/heads/<branch>` at `from` unless it exists; never checks it out. */
export async function ensureLocalBranch(dir: string, branch: string, from: string): Promise<void> {
  if ((await gitMaybe(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])) !== undefined) return;
  await git(dir, ['branch', '--no-track', '--end-of-options', branch, from]);
}

/** One commit with `files` on `branch` (which must exist); a commit carrying `marker` already on it is reused. */
export async function commitToLocalBranch(
  dir: string,
  branch: string,
  message: string,
  files: ReadonlyArray<{ path: string; content: string }>,
  marker: string,
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const tip = (await git(dir, ['rev-parse', '--verify', `${ref}^{commit}`])).trim();
  const done = await gitMaybe(dir, ['log', '-n', '1', '--format=%H', '--fixed-strings', `--grep=${marker}`, tip]);
  if (done) return done;
  const blobs = new Map<string, string>();
  for (const f of files) {
    const bad = f.path
      .split('/')
      .find((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git');
    if (bad !== undefined || f.path.includes('\0'))
      throw new Error(`local_git.bad_path: "${f.path.slice(0, 120)}" is not a plain path inside the repository`);
    blobs.set(f.path, (await git(dir, ['hash-object', '-w', '--stdin'], f.content)).trim());
  }
  const tree = await withFiles(dir, `${tip}^{tree}`, blobs);
  const commit = (await git(dir, [...IDENTITY, 'commit-tree', tree, '-p', tip, '-F', '-'], message)).trim();
  await git(dir, ['update-ref', '-m', 'void: implement', ref, commit, tip]);
  return commit;
}
