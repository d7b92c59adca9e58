// Runs `git` in one repository with execFile (no shell: arguments are never interpreted), and reads unified diffs
// into the VCS port's ChangedFile shape.
import { execFile } from 'node:child_process';
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import { VoidError } from '../../bot/core/errors.js';

const MAX_OUTPUT = 32 * 1024 * 1024;

export function git(dir: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-C', dir, ...args], { maxBuffer: MAX_OUTPUT }, (error, stdout, stderr) => {
      if (error)
        reject(
          new VoidError(
            'local_git.failed',
            `git ${args[0]} failed: ${String(stderr).trim().split('\n')[0] ?? error.message}`,
            { cause: error },
          ),
        );
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `git` that answers undefined instead of failing (for "does this exist?" questions). */
export async function gitMaybe(dir: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await git(dir, args)).trim();
  } catch {
    return undefined;
  }
}

function statusOf(header: string): ChangedFile['status'] {
  if (/^new file mode/m.test(header)) return 'added';
  if (/^deleted file mode/m.test(header)) return 'removed';
  if (/^rename from/m.test(header)) return 'renamed';
  if (/^copy from/m.test(header)) return 'copied';
  return 'modified';
}

/** Splits `git diff` output into one ChangedFile per file; binary files have no patch. */
export function parseUnifiedDiff(diff: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const part of diff.split(/^diff --git /m).slice(1)) {
    const hunkAt = part.search(/^@@ /m);
    const header = hunkAt >= 0 ? part.slice(0, hunkAt) : part;
    const patch = hunkAt >= 0 ? part.slice(hunkAt).replace(/\n$/, '') : undefined;
    const path =
      /^\+\+\+ b\/(.+)$/m.exec(header)?.[1] ??
      /^rename to (.+)$/m.exec(header)?.[1] ??
      /^--- a\/(.+)$/m.exec(header)?.[1] ??
      /^a\/(\S+)/.exec(part)?.[1] ??
      '';
    const lines = patch?.split('\n') ?? [];
    files.push({
      path,
      status: statusOf(header),
      additions: lines.filter((l) => l.startsWith('+')).length,
      deletions: lines.filter((l) => l.startsWith('-')).length,
      ...(patch ? { patch } : {}),
    });
  }
  return files;
}
