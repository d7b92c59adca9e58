// The digest of what will run, resolved when the approval is requested (its formats are target.ts's; no other module
// builds approval keys or digests):
//   deploy     repository, environment and the commit SHA the ref pointed at (the parameters are the command)
//   review     the pull request's head commit
//   implement  the ticket key, its summary, description and acceptance criteria, and the target repository
// Recorded with the request, re-checked at every decision and again before the job runs.
import type { JobCommand } from '../bot/core/jobs.js';
import { deployRepoOf } from '../bot/core/deploy-target.js';
import { refused, type Refused } from '../bot/core/outcome.js';
import { canonicalJson } from '../audit/hash.js';
import type { RepoRef } from '../bot/core/grammar.js';
import type { TicketPort } from '../bot/core/ticket.port.js';
import type { Tenant } from '../bot/core/types.js';
import type { CommitInfo, VcsPort } from '../bot/core/vcs.port.js';
import type { PolicyRule } from './policy.schema.js';
import type { Author, Binding } from './store.js';
import { deployDigest, headDigest, refDigest, ticketDigest } from './target.js';

export type DigestResult = { ok: true; digest: string | undefined; binding?: Binding } | Refused;

export interface Sources {
  readonly vcs: VcsPort | undefined;
  readonly tickets: TicketPort | undefined;
}

const repoText = (repo: RepoRef): string => `${repo.owner}/${repo.name}`;
const statusOf = (error: unknown): string =>
  String((error as { status?: number; code?: string })?.status ?? (error as { code?: string })?.code ?? 'no answer');

/** Production-like environments void on a moved ref unless the rule says otherwise. */
export function onTargetMovedFor(
  rule: Pick<PolicyRule, 'onTargetMoved'> | undefined,
  environment: string,
): 'void' | 'keep-pinned' {
  return rule?.onTargetMoved ?? (/^prod/i.test(environment) ? 'void' : 'keep-pinned');
}

export const authorsOf = (commits: readonly CommitInfo[]): Author[] =>
  commits
    .map((c) => ({ login: c.authorLogin, id: c.authorId, email: c.authorEmail }))
    .filter((a) => a.login || a.id !== undefined || a.email);

/** What a request binds to. `rule` is the rule that governs it (its independence and move settings are kept). */
export async function bindTarget(
  tenant: Tenant,
  command: JobCommand,
  sources: Sources,
  rule?: PolicyRule,
  withAuthors = true,
): Promise<DigestResult> {
  switch (command.name) {
    case 'deploy':
      return bindDeploy(tenant, command, sources.vcs, rule, withAuthors);
    case 'review':
      if ('ref' in command) return { ok: true, digest: refDigest(command.ref) };
      return bindReview(tenant.id, command.repo, command.number, sources.vcs, rule, withAuthors);
    case 'implement':
      return bindTicket(tenant.id, command.ticket, command.repo, sources.tickets, rule);
    default:
      return { ok: true, digest: undefined };
  }
}

async function bindDeploy(
  tenant: Tenant,
  command: Extract<JobCommand, { name: 'deploy' }>,
  vcs: VcsPort | undefined,
  rule: PolicyRule | undefined,
  withAuthors: boolean,
): Promise<DigestResult> {
  const repo: RepoRef | undefined = deployRepoOf(tenant, command.service);
  if (!repo) return refused('target.no_service_repo', { service: command.service });
  const settings = {
    onTargetMoved: onTargetMovedFor(rule, command.environment),
    authorsMayApprove: rule?.authorsMayApprove ?? false,
    waiveStatusChecks: rule?.waiveStatusChecks ?? false,
  };
  // Without a VCS that can resolve refs (the console demo) nothing can be pinned; the deploy cannot run either.
  if (!vcs?.resolveCommit)
    return {
      ok: true,
      digest: refDigest(command.ref ?? 'default'),
      binding: { ref: command.ref, repo: repoText(repo), ...settings },
    };
  try {
    const ref = command.ref ?? (await vcs.getDefaultBranch(tenant.id, repo));
    const sha = await vcs.resolveCommit(tenant.id, repo, ref);
    const authors =
      settings.authorsMayApprove || !withAuthors
        ? []
        : await deployAuthors(tenant.id, repo, command.environment, sha, vcs);
    return {
      ok: true,
      digest: deployDigest(repoText(repo), command.environment, sha),
      binding: { sha, ref, repo: repoText(repo), authors, ...settings },
    };
  } catch (error) {
    const ref = command.ref ?? 'the default branch';
    return refused('target.unresolved_ref', { ref, repo: repoText(repo), status: statusOf(error) });
  }
}

/** Authors of the commits since the environment's last deployment (or of the commit itself on a first deploy). */
async function deployAuthors(
  tenantId: string,
  repo: RepoRef,
  environment: string,
  sha: string,
  vcs: VcsPort,
): Promise<Author[]> {
  if (!vcs.listCommits) return [];
  const base = await vcs.lastDeployedSha?.(tenantId, repo, environment);
  const commits = await vcs.listCommits(tenantId, repo, base && base !== sha ? { base, head: sha } : { sha });
  return authorsOf(commits);
}

async function bindReview(
  tenantId: string,
  repo: RepoRef,
  number: number,
  vcs: VcsPort | undefined,
  rule: PolicyRule | undefined,
  withAuthors: boolean,
): Promise<DigestResult> {
  if (!vcs) return { ok: true, digest: undefined };
  try {
    const pr = await vcs.getPullRequest(tenantId, repo, number);
    const mayApprove = (rule?.authorsMayApprove ?? false) || !withAuthors;
    const commits = !mayApprove && vcs.listCommits ? await vcs.listCommits(tenantId, repo, { pullNumber: number }) : [];
    const authors = mayApprove ? [] : [{ login: pr.author }, ...authorsOf(commits)];
    return {
      ok: true,
      digest: headDigest(pr.headSha),
      binding: { sha: pr.headSha, ref: pr.headRef, repo: repoText(repo), authorsMayApprove: mayApprove, authors },
    };
  } catch (error) {
    return refused('target.unreadable_pull', { repo: repoText(repo), number, status: statusOf(error) });
  }
}

async function bindTicket(
  tenantId: string,
  key: string,
  repo: RepoRef | undefined,
  tickets: TicketPort | undefined,
  rule?: PolicyRule,
): Promise<DigestResult> {
  const writePaths = rule?.writePaths;
  if (!tickets)
    return {
      ok: true,
      digest: undefined,
      binding: { ...(repo ? { repo: repoText(repo) } : {}), ...(writePaths ? { writePaths } : {}) },
    };
  try {
    const ticket = await tickets.getTicket(tenantId, key);
    return {
      ok: true,
      digest: ticketDigest(ticket, repo),
      binding: { ...(repo ? { repo: repoText(repo) } : {}), ...(writePaths ? { writePaths } : {}) },
    };
  } catch (error) {
    return refused('target.unreadable_ticket', { key, status: statusOf(error) });
  }
}

/** The digest of a target as it is now, for the re-checks (decisions, execution, voidStale): no author lookups. */
export async function currentDigest(tenant: Tenant, command: JobCommand, sources: Sources): Promise<DigestResult> {
  return bindTarget(tenant, command, sources, undefined, false);
}

/** Canonical JSON of a command (the audit trail's): the approved payload and the job's must be the same. */
export function sameCommand(a: JobCommand, b: JobCommand): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
