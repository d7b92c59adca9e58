// The formats approvals files requests under and pins them to, written here and nowhere else: the target key a
// request is filed under ("payments@production", "acme/api#42", "PAY-7") and the digest of what it approved
// ("sha:<head>", "deploy:<repo>@<env>:<sha>", "ticket:<key>:<repo>:<hash>", "ref:<ref>"). Other modules say what
// moved in their own terms (a StaleTarget) and call filingOf(); they never build these strings.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/hash.js';
import type { StaleTarget } from '../bot/core/approvals.port.js';
import type { ActionCommand, RepoRef } from '../bot/core/grammar.js';
import type { TicketInfo } from '../bot/core/ticket.port.js';

const repoText = (repo: RepoRef): string => `${repo.owner}/${repo.name}`;

/** The thing an approval is about, so that a moved target can void it: "payments@production", "acme/api#42". */
export function targetKeyOf(command: ActionCommand): string {
  switch (command.name) {
    case 'deploy':
      return `${command.service}@${command.environment}`;
    case 'review':
      return 'ref' in command ? `local@${command.ref}` : pullRequestKey(command.repo, command.number);
    case 'implement':
    case 'triage':
      return command.ticket;
    case 'status':
      return 'status';
  }
}

/** The pull request a thread is (a GitHub PR comment thread's channel is "owner/repo#n"), lower case. */
function pullRequestKey(repo: { owner: string; name: string } | string, number: number): string {
  const text = typeof repo === 'string' ? repo : repoText(repo);
  return `${text}#${number}`.toLowerCase();
}

/**
 * The key a request is filed under, so that staleness finds it: a deploy asked for in a pull request belongs to that
 * pull request (a push to it voids the request); everything else to its command's target.
 */
export function requestTargetKey(command: ActionCommand, thread: { platform: string; channel: string }): string {
  const pr = thread.platform === 'github' ? /^([^/\s#]+\/[^/\s#]+)#(\d{1,9})$/.exec(thread.channel) : null;
  if (command.name === 'deploy' && pr) return pullRequestKey(pr[1] as string, Number(pr[2]));
  return targetKeyOf(command);
}

/**
 * Where the requests about a moved target are filed, and (for a pull request) the digest its new head has. A ticket's
 * new digest needs its text, so it has none here (ticketDigest, once the text is read).
 */
export function filingOf(target: StaleTarget): { key: string; digest?: string } {
  if ('headSha' in target)
    return { key: pullRequestKey(target.repo, target.number), digest: headDigest(target.headSha) };
  return { key: target.ticket };
}

/** A pull request pinned to its head commit. */
export function headDigest(sha: string): string {
  return `sha:${sha}`;
}

/** A review of a local git ref, or a deploy that nothing can pin (no VCS to resolve refs): the ref's name. */
export function refDigest(ref: string): string {
  return `ref:${ref}`;
}

export function deployDigest(repo: string, environment: string, sha: string): string {
  return `deploy:${repo.toLowerCase()}@${environment}:${sha}`;
}

/** The ticket's text that drives what the agent writes, and where it writes. */
export function ticketDigest(
  ticket: Pick<TicketInfo, 'key' | 'summary' | 'description' | 'acceptanceCriteria'>,
  repo: RepoRef | undefined,
): string {
  const text = canonicalJson({
    summary: ticket.summary,
    description: ticket.description,
    acceptanceCriteria: ticket.acceptanceCriteria ?? '',
  });
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return `ticket:${ticket.key}:${repo ? repoText(repo).toLowerCase() : '-'}:${digest}`;
}

/** The full commit SHA a digest pins (a deploy's or a pull request's), if it pins one. */
export function pinnedShaOf(digest: string | undefined): string | undefined {
  return /:([0-9a-f]{40})$/.exec(digest ?? '')?.[1];
}

/** The commit a pull request's digest names ("sha:<head>" → "<head>"), as written, whatever its length. */
export function headOf(digest: string | undefined): string | undefined {
  return digest?.replace(/^sha:/, '');
}
