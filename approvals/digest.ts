// The digest of what will run: for `review` the pull request's head SHA (read through the VCS port), for `deploy`
// the ref being deployed. Recorded with the request, re-checked at every decision and again before the job runs.
import type { JobCommand } from '../agents/queues.js';
import { canonicalJson } from '../audit/hash.js';
import type { VcsPort } from '../bot/core/vcs.port.js';

export type DigestResult = { ok: true; digest: string | undefined } | { ok: false; message: string };

export async function targetDigest(tenantId: string, command: JobCommand, vcs: VcsPort | undefined): Promise<DigestResult> {
  switch (command.name) {
    case 'deploy':
      return { ok: true, digest: `ref:${command.ref ?? 'default'}` };
    case 'review': {
      if ('ref' in command) return { ok: true, digest: `ref:${command.ref}` };
      if (!vcs) return { ok: true, digest: undefined };
      try {
        const pr = await vcs.getPullRequest(tenantId, command.repo, command.number);
        return { ok: true, digest: `sha:${pr.headSha}` };
      } catch (error) {
        return { ok: false, message: `could not read ${command.repo.owner}/${command.repo.name}#${command.number} to record what is approved (${(error as { status?: number })?.status ?? "the VCS did not answer"})` };
      }
    }
    default:
      return { ok: true, digest: undefined };
  }
}

/** Canonical JSON of a command (the audit trail's): the approved payload and the job's must be the same. */
export function sameCommand(a: JobCommand, b: JobCommand): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
