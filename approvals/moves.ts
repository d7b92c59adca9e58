// A target that moved while a request was pending. A deploy is pinned to the commit its ref pointed at when it was
// requested: if the ref moves before the quorum is met, the thread is told which commits arrived since, and the rule
// decides (`onTargetMoved: void | keep-pinned`). Everything else with `voidOnTargetChange` is voided.
import type { RepoRef } from '../bot/core/grammar.js';
import type { Tenant } from '../bot/core/types.js';
import { currentDigest, type DigestResult } from './digest.js';
import type { ApprovalDeps } from './deps.js';
import type { ApprovalRecord } from './store.js';
import { pinnedShaOf } from './target.js';

export type Move = { kind: 'none' } | { kind: 'void'; note: string } | { kind: 'keep'; note: string };

const short = (sha: string) => sha.slice(0, 7);

export async function digestNow(
  deps: ApprovalDeps,
  tenant: Tenant,
  rec: ApprovalRecord,
): Promise<DigestResult | undefined> {
  if (!rec.voidOnTargetChange && !rec.binding?.sha) return undefined;
  return currentDigest(tenant, rec.command, { vcs: deps.vcs(), tickets: deps.tickets?.() });
}

/** What to do about the target as it is now. Reads the commits that arrived since (best effort) for the note. */
export async function assessMove(
  deps: ApprovalDeps,
  tenant: Tenant,
  rec: ApprovalRecord,
  now: DigestResult | undefined,
): Promise<Move> {
  if (!now?.ok || now.digest === undefined || now.digest === rec.targetDigest) return { kind: 'none' };
  const pinned = rec.kind === 'deploy' ? rec.binding?.sha : undefined;
  const moved = pinnedShaOf(now.digest);
  if (pinned && moved && rec.binding?.repo) {
    const arrived = await commitsSince(deps, tenant.id, rec.binding.repo, pinned, moved);
    const ref = rec.binding.ref ?? 'the ref';
    const what = `${ref} moved from ${short(pinned)} to ${short(moved)} since the request${arrived}`;
    if (rec.binding.onTargetMoved === 'keep-pinned' || !rec.voidOnTargetChange) {
      return {
        kind: 'keep',
        note:
          `${what}; rule "${rec.rule}" keeps the pinned commit, so ${short(pinned)} is what deploys, ` +
          `not ${short(moved)}`,
      };
    }
    return { kind: 'void', note: `what it approved changed: ${what}` };
  }
  if (!rec.voidOnTargetChange) return { kind: 'none' };
  return { kind: 'void', note: `what it approved changed (${rec.targetDigest ?? 'unknown'} → ${now.digest})` };
}

async function commitsSince(
  deps: ApprovalDeps,
  tenantId: string,
  repoText: string,
  base: string,
  head: string,
): Promise<string> {
  const vcs = deps.vcs();
  if (!vcs?.listCommits) return '';
  const [owner = '', name = ''] = repoText.split('/');
  const repo: RepoRef = { owner, name };
  try {
    const commits = await vcs.listCommits(tenantId, repo, { base, head });
    if (commits.length === 0) return '';
    const list = commits
      .slice(0, 10)
      .map((c) => short(c.sha))
      .join(', ');
    return (
      ` (${commits.length} commit${commits.length > 1 ? 's' : ''} ` +
      `arrived: ${list}${commits.length > 10 ? ', …' : ''})`
    );
  } catch {
    return '';
  }
}
