// ContextAgent: gathers what a job needs within a token budget: pull request metadata, changed files and diff
// hunks, the linked ticket, repository conventions. Large diffs are cut into hunks, ranked, and what does not fit
// is listed by name (never silently dropped), so the review can say what the model did not see.
import type { RepoRef } from '../../bot/core/grammar.js';
import type { TicketInfo, TicketPort } from '../../bot/core/ticket.port.js';
import type { ChangedFile, PullRequestInfo, VcsPort } from '../../bot/core/vcs.port.js';
import { isSourceFile, isTestFile } from '../quality/quality.agent.js';
import { estimateTokens, parsePatch } from './diff.js';

export interface DiffChunk {
  readonly path: string;
  readonly text: string;
  readonly tokens: number;
  readonly rank: number;
}

export interface Omission {
  readonly path: string;
  readonly reason: string;
}

export interface ReviewContext {
  readonly pr: PullRequestInfo;
  readonly files: readonly ChangedFile[];
  readonly chunks: readonly DiffChunk[];
  readonly omitted: readonly Omission[];
  readonly conventions: ReadonlyArray<{ path: string; text: string }>;
  readonly ticket?: TicketInfo | undefined;
  readonly tokens: number;
}

const CONVENTION_FILES = ['CONTRIBUTING.md', 'README.md', '.github/CODEOWNERS', 'CODEOWNERS'];
const LOCKFILES = [
  String.raw`package-lock\.json`,
  String.raw`yarn\.lock`,
  String.raw`pnpm-lock\.yaml`,
  String.raw`go\.sum`,
  String.raw`Cargo\.lock`,
  String.raw`poetry\.lock`,
];
const GENERATED = new RegExp(
  [
    String.raw`(^|\/)(${LOCKFILES.join('|')})$`, // lockfiles
    String.raw`\.(min\.js|map|snap)$`, // minified code, source maps, test snapshots
    String.raw`(^|\/)(dist|build|vendor)\/`, // build output and vendored code
  ].join('|'),
);

/** Higher is more important: source with findings, source, tests, configuration, docs, generated files last. */
export function rankFile(file: ChangedFile, flagged: ReadonlySet<string>): number {
  let rank = flagged.has(file.path) ? 100 : 0;
  if (GENERATED.test(file.path)) return rank - 100;
  if (isSourceFile(file.path)) rank += 50;
  else if (isTestFile(file.path)) rank += 30;
  else if (/\.(ya?ml|json|toml|tf|sql|sh|Dockerfile)$/i.test(file.path)) rank += 20;
  return rank + Math.min(20, Math.log2(1 + file.additions + file.deletions) * 2);
}

/** Every hunk of every file, ranked; the budget takes the best ones, the rest are listed as omitted. */
export function selectChunks(
  files: readonly ChangedFile[],
  budgetTokens: number,
  flagged: ReadonlySet<string> = new Set(),
): { chunks: DiffChunk[]; omitted: Omission[] } {
  const candidates: DiffChunk[] = [];
  const omitted: Omission[] = [];
  for (const file of files) {
    if (!file.patch) {
      omitted.push({
        path: file.path,
        reason: file.status === 'removed' ? 'file removed' : 'no diff available (binary or too large)',
      });
      continue;
    }
    const rank = rankFile(file, flagged);
    for (const hunk of parsePatch(file.patch))
      candidates.push({ path: file.path, text: hunk.text, tokens: estimateTokens(hunk.text) + 8, rank });
  }
  candidates.sort((a, b) => b.rank - a.rank || a.tokens - b.tokens);
  const chunks: DiffChunk[] = [];
  let used = 0;
  const skipped = new Map<string, number>();
  for (const chunk of candidates) {
    if (used + chunk.tokens <= budgetTokens) {
      chunks.push(chunk);
      used += chunk.tokens;
    } else skipped.set(chunk.path, (skipped.get(chunk.path) ?? 0) + 1);
  }
  for (const [path, n] of skipped)
    omitted.push({ path, reason: `${n} hunk(s) over the context budget of ${budgetTokens} tokens` });
  return { chunks, omitted };
}

export function ticketKeyIn(text: string, projectKeys: readonly string[]): string | undefined {
  for (const match of text.matchAll(/\b([A-Z][A-Z0-9_]{0,9})-(\d+)\b/g)) {
    if (!projectKeys.length || projectKeys.includes(match[1] ?? '')) return match[0];
  }
  return undefined;
}

export interface ContextOptions {
  readonly budgetTokens: number;
  readonly projectKeys: readonly string[];
  readonly flagged?: (files: ChangedFile[], pr: PullRequestInfo) => Promise<Set<string>>;
}

export class ContextAgent {
  constructor(
    private readonly vcs: VcsPort,
    private readonly tickets: TicketPort | undefined,
  ) {}

  async forPullRequest(
    tenantId: string,
    repo: RepoRef,
    number: number,
    options: ContextOptions,
  ): Promise<ReviewContext> {
    const [pr, files] = await Promise.all([
      this.vcs.getPullRequest(tenantId, repo, number),
      this.vcs.listFiles(tenantId, repo, number),
    ]);
    return this.forChange(tenantId, pr, files, options);
  }

  /** The same context for a change already read (a pull request, or a local revision). */
  async forChange(
    tenantId: string,
    pr: PullRequestInfo,
    files: ChangedFile[],
    options: ContextOptions,
  ): Promise<ReviewContext> {
    const repo = pr.repo;
    const conventions = await this.conventions(tenantId, repo, pr.baseRef, Math.floor(options.budgetTokens / 8));
    const key = ticketKeyIn(`${pr.title} ${pr.headRef} ${pr.body}`, options.projectKeys);
    const ticket = key ? await this.ticket(tenantId, key) : undefined;
    const fixed =
      estimateTokens(`${pr.title}\n${pr.body}\n${ticket?.description ?? ''}`) +
      conventions.reduce((n, c) => n + estimateTokens(c.text), 0);
    const flagged = await options.flagged?.(files, pr);
    const { chunks, omitted } = selectChunks(files, Math.max(0, options.budgetTokens - fixed), flagged);
    return {
      pr,
      files,
      chunks,
      omitted,
      conventions,
      ticket,
      tokens: fixed + chunks.reduce((n, c) => n + c.tokens, 0),
    };
  }

  /** README, CONTRIBUTING and CODEOWNERS at the base branch, each cut to a share of the budget (and said so). */
  async conventions(
    tenantId: string,
    repo: RepoRef,
    ref: string,
    budgetTokens: number,
  ): Promise<Array<{ path: string; text: string }>> {
    const found: Array<{ path: string; text: string }> = [];
    for (const path of CONVENTION_FILES) {
      const text = await this.vcs.getFile(tenantId, repo, path, ref).catch(() => undefined);
      if (!text) continue;
      const limit = Math.max(200, Math.floor((budgetTokens * 4) / CONVENTION_FILES.length));
      found.push({
        path,
        text: text.length > limit ? `${text.slice(0, limit)}\n[… ${path} shortened to fit the context budget]` : text,
      });
    }
    return found;
  }

  async ticket(tenantId: string, key: string): Promise<TicketInfo | undefined> {
    if (!this.tickets) return undefined;
    return this.tickets.getTicket(tenantId, key).catch(() => undefined);
  }
}
