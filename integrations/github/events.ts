// What Void does with a verified, de-duplicated GitHub event: PR comment commands go through the one dispatcher
// (identity, audit, limits, approvals); pull request events publish to listeners, void stale approvals and start
// automatic reviews. Work that waits on GitHub (reactions, reply comments) runs after the webhook is answered.
import type { CommandDispatcher } from '../../bot/core/dispatch.js';
import { VoidError } from '../../bot/core/errors.js';
import { parseGithubIdentity, type TenantRegistry } from '../../bot/core/registry.js';
import type { Reply, Tenant, ThreadRef } from '../../bot/core/types.js';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { PullRequestEvent, PullRequestListener } from '../../bot/core/vcs.port.js';
import type { Logger } from '../../bot/core/logger.js';
import { prThread, type GithubChatPort } from './chat.js';
import type { GithubClient } from './client.js';
import { commentReplies, rewriteCommand } from './commands.js';
import { prChannel, type GithubEvent } from './mapper.js';
import { AUTO_REVIEW_EVENTS, autoReviewRuleFor, readGithubSettings } from './settings.schema.js';

type CommandEvent = Extract<GithubEvent, { type: 'command' | 'edited_command' }>;
type PrEvent = Extract<GithubEvent, { type: 'pull_request' }>;

export const NOT_A_PR =
  'Void acts on pull requests: `/void` commands work in pull request comments and review comments, ' +
  'not in issues. Nothing was done.';
export const EDITED =
  'Void does not run commands from edited comments, so that changing an old comment never repeats or alters what ' +
  'was done. Post a new comment with the command instead. Nothing was done.';

/** Runs work after the webhook answer; `idle()` resolves when all of it has finished (shutdown, tests). */
export class Background {
  private readonly pending = new Set<Promise<void>>();

  run(log: Logger, what: string, work: () => Promise<void>): void {
    const task = work()
      .catch((err: unknown) =>
        log.warn(
          { err: { message: (err as Error)?.message, code: (err as { code?: string })?.code } },
          `GitHub: ${what} failed`,
        ),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** At shutdown: waits at most `ms`, then leaves the rest (replies not yet posted are lost, jobs are not). */
  async drain(ms: number, log: Logger): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    const result = await Promise.race([this.idle().then(() => 'idle' as const), timeout]);
    clearTimeout(timer);
    if (result === 'timeout')
      log.warn({ pending: this.pending.size }, 'GitHub: shutting down with answers not yet posted');
  }
}

export interface EventHandlerDeps {
  readonly registry: TenantRegistry;
  readonly dispatcher: () => CommandDispatcher;
  readonly client: GithubClient;
  readonly chat: GithubChatPort;
  /** The approvals service, when the build has one (read when an event arrives). */
  readonly approvals: () => ApprovalsPort | undefined;
  /** Told of every pull request lifecycle event (JIRA moves its tickets along). */
  readonly pullRequestListeners: readonly PullRequestListener[];
  readonly background: Background;
}

export class GithubEventHandler {
  constructor(private readonly deps: EventHandlerDeps) {}

  async handle(
    event: Exclude<GithubEvent, { type: 'ignore' | 'ping' }>,
    deliveryId: string,
    log: Logger,
    attempt?: string,
  ): Promise<Record<string, unknown>> {
    return event.type === 'pull_request'
      ? this.pullRequest(event, deliveryId, log)
      : this.command(event, deliveryId, log, attempt);
  }

  /** A command that could not be handled after its last attempt: the PR is told that nothing was done. */
  tellFailure(e: CommandEvent, error: unknown, log: Logger): void {
    log.error({ err: { message: (error as Error)?.message } }, 'GitHub: a queued command failed on its last attempt');
    const text =
      error instanceof VoidError ? error.message : 'Void hit an internal error; it has been logged. Nothing was done.';
    this.postAll(log, prThread(e.installationId, prChannel(e.repo, e.number)), [{ text, kind: 'refusal' }], e.sender);
  }

  private postAll(
    log: Logger,
    thread: ThreadRef,
    replies: readonly Reply[],
    mention?: string,
    before?: () => Promise<void>,
  ): void {
    this.deps.background.run(log, 'answering in the pull request', async () => {
      await before?.().catch((err: unknown) =>
        log.warn({ err: { message: (err as Error)?.message } }, 'GitHub: reaction failed'),
      );
      for (const reply of replies) await this.deps.chat.post(thread, reply, mention);
    });
  }

  /**
   * The tenant of an installation, checked against the repository's owner: an installation only reaches its own
   * account's repositories, so a different owner means the tenants file binds the wrong installation id.
   */
  private tenantOf(installationId: number, owner: string, log: Logger): { tenant?: Tenant; mismatch?: string } {
    const tenant = this.deps.registry.tenantFor('github', String(installationId));
    const org = tenant?.bindings.github?.org;
    if (!tenant || !org || org.toLowerCase() === owner.toLowerCase()) return { tenant };
    log.warn(
      { tenant: tenant.id, installationId },
      'GitHub installation bound to another organisation in the tenants file; nothing done',
    );
    return {
      mismatch:
        `This GitHub installation is bound to the organisation "${org}" in Void's tenants file, ` +
        `but this repository belongs to "${owner}", so nothing was done. Ask your Void administrator to check ` +
        `bindings.github.`,
    };
  }

  private async command(
    e: CommandEvent,
    deliveryId: string,
    log: Logger,
    attempt?: string,
  ): Promise<Record<string, unknown>> {
    const thread = prThread(e.installationId, prChannel(e.repo, e.number));
    const { tenant, mismatch } = this.tenantOf(e.installationId, e.repo.owner, log);
    if (mismatch) {
      this.postAll(log, thread, [{ text: mismatch, kind: 'refusal' }], e.sender);
      return { answered: 'installation bound to another organisation' };
    }
    if (!e.isPullRequest) {
      if (tenant && readGithubSettings(tenant.github).plainIssueComments === 'ignore')
        return { ignored: 'not a pull request' };
      this.postAll(log, thread, [{ text: NOT_A_PR, kind: 'refusal' }], e.sender);
      return { answered: 'not a pull request' };
    }
    if (e.type === 'edited_command') {
      this.postAll(log, thread, [{ text: EDITED, kind: 'refusal' }], e.sender);
      return { answered: 'edited comment' };
    }
    const lookup = { client: this.deps.client, chat: this.deps.chat, approvals: this.deps.approvals(), log };
    const rewritten = await rewriteCommand(e, tenant, lookup);
    if (rewritten.stop) {
      this.postAll(log, thread, [{ text: rewritten.note ?? 'Nothing was done.', kind: 'refusal' }], e.sender);
      return { answered: 'refused before dispatch' };
    }
    const result = await this.deps.dispatcher().dispatch(
      {
        platform: 'github',
        workspaceId: String(e.installationId),
        platformUserId: e.sender,
        stableUserId: e.senderId === undefined ? undefined : String(e.senderId),
        text: rewritten.text,
        thread,
        deliveryId,
        attempt,
      },
      { repo: e.repo, pullNumber: e.number },
      // help, whoami, status, policy explain: the one comment posted below is the answer; no job, no "queued".
      { answerAtOnce: true },
    );
    if (result.duplicate) return { duplicate: true };
    const replies = await commentReplies(e, tenant, rewritten, result.replies, {
      ...lookup,
      registry: this.deps.registry,
    });
    const api = this.deps.client.forInstallation(e.installationId);
    // A stranger's comment: 😕 rather than 👀 (nothing will happen), and a note that names nobody (registry.ts).
    const reaction = result.refusedIdentity === 'identity.unknown_user' ? 'confused' : 'eyes';
    this.postAll(log, thread, replies, e.sender, () =>
      this.deps.client.react(api, e.repo, e.commentId, e.source, reaction),
    );
    return { correlationId: result.correlationId };
  }

  private async pullRequest(e: PrEvent, deliveryId: string, log: Logger): Promise<Record<string, unknown>> {
    const { tenant, mismatch } = this.tenantOf(e.installationId, e.pr.repo.owner, log);
    if (mismatch) return { ignored: 'installation bound to another organisation' };
    if (!tenant) {
      log.info(
        { installationId: e.installationId },
        'pull request event from an installation that is not in the tenants file; ignored',
      );
      return { ignored: 'installation not connected to a tenant' };
    }
    const channel = prChannel(e.pr.repo, e.pr.number);
    const thread = prThread(e.installationId, channel);
    const approvals = this.deps.approvals();
    // Reviews of this pull request and deploys asked for in it: the approvals module knows which are stale.
    const voided =
      e.action === 'synchronize' && approvals
        ? await approvals.voidStale(
            tenant.id,
            { repo: e.pr.repo, number: e.pr.number, headSha: e.pr.headSha },
            `new commits were pushed to ${channel}`,
          )
        : [];
    const review = await this.autoReview(tenant, e, thread, deliveryId, log);
    // Each voided request's own thread (often this pull request) is told once, by the approvals module.
    const replies: Reply[] = review.replies;
    const event: PullRequestEvent = { tenantId: tenant.id, action: e.action, pr: e.pr, deliveryId };
    this.postAll(log, thread, replies);
    this.deps.background.run(log, 'publishing the pull request event', () => this.publish(event, log));
    return { action: e.action, review: review.status, voided: voided.length };
  }

  private async publish(event: PullRequestEvent, log: Logger): Promise<void> {
    for (const listener of this.deps.pullRequestListeners) {
      await listener(event).catch((err: unknown) =>
        log.warn({ err: { message: (err as Error)?.message }, action: event.action }, 'a pull request listener failed'),
      );
    }
  }

  /** Dispatches `review owner/repo#n` when the tenant's settings ask for it; the delivery id keeps it to one job. */
  private async autoReview(
    tenant: Tenant,
    e: PrEvent,
    thread: ThreadRef,
    deliveryId: string,
    log: Logger,
  ): Promise<{ status: string; replies: Reply[] }> {
    if (!(AUTO_REVIEW_EVENTS as readonly string[]).includes(e.action))
      return { status: 'not a review event', replies: [] };
    const channel = prChannel(e.pr.repo, e.pr.number);
    const rule = autoReviewRuleFor(readGithubSettings(tenant.github), `${e.pr.repo.owner}/${e.pr.repo.name}`);
    const skip = !rule
      ? 'no automatic review for this repository'
      : !(rule.events as readonly string[]).includes(e.action)
        ? `no automatic review on ${e.action}`
        : rule.skipDrafts && e.pr.draft
          ? 'draft pull request'
          : rule.skipBots && e.authorIsBot
            ? 'pull request by a bot'
            : undefined;
    if (skip || !rule) return { status: `skipped: ${skip}`, replies: [] };
    const sender = this.deps.registry.member(tenant, 'github', e.sender, e.senderId);
    const requester = sender ? e.sender : rule.as;
    if (!requester) {
      log.info(
        { tenant: tenant.id, channel },
        'automatic review skipped: the sender is not a member and no review account ("as") is set',
      );
      return { status: 'skipped: sender is not a member', replies: [] };
    }
    const result = await this.deps.dispatcher().dispatch(
      {
        platform: 'github',
        workspaceId: String(e.installationId),
        platformUserId: requester,
        stableUserId: sender ? e.senderId?.toString() : configuredGithubId(tenant, requester),
        text: `review ${channel}`,
        thread,
        deliveryId,
      },
      { repo: e.pr.repo, pullNumber: e.pr.number },
    );
    return { status: result.duplicate ? 'duplicate' : 'dispatched', replies: result.replies };
  }
}

/** The numeric id the tenants file gives to a login it names itself (the review account `as`): config, not input. */
function configuredGithubId(tenant: Tenant, login: string): string | undefined {
  const entries = tenant.members.flatMap((m) => m.identities.github ?? []).map(parseGithubIdentity);
  return entries.find((i) => i.id && i.login.toLowerCase() === login.toLowerCase())?.id;
}
