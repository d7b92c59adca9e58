// What a verified JIRA delivery does (receiver.ts has checked its signature, site and replay): drop Void's own events
// and tickets outside the tenant's projects, void approvals of an edited ticket, and hand each command (a `/void`
// comment, or a fired automation rule) to the dispatcher as an InboundCommand, replies going back to the ticket.
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { ClaimLedger, InboundAnswer, InboundRequest } from '../../bot/core/inbound.js';
import type { ChatPort } from '../../bot/core/ports.js';
import { normaliseSiteUrl, type TenantRegistry } from '../../bot/core/registry.js';
import type { InboundCommand, Tenant, ThreadRef } from '../../bot/core/types.js';
import type { CommandDispatcher } from '../../bot/core/dispatch.js';
import type { Logger } from '../../bot/core/logger.js';
import { automationOf } from './automation.schema.js';
import {
  commentCommand,
  commentText,
  previousState,
  stateOf,
  transitionedTo,
  VOID_SENTINEL,
  type JiraWebhook,
} from './mapper.js';
import { unboundTicket } from './projects.js';
import { firedRules } from './rules.js';

/** The tenant whose webhook secret may verify a delivery, and that secret. */
export interface JiraVerifier {
  readonly tenant: Tenant;
  readonly secret: string;
}

/** What the event handling needs (receiver.ts's JiraEventDeps adds the trail and the concrete dispatcher). */
export interface JiraEventDeps {
  /** The verifier for the tenant a URL names (`/jira/webhooks/<tenant>`; undefined for the single-tenant legacy
   *  `/jira/webhooks`), or undefined when no secret may verify deliveries to that URL. */
  readonly verifierFor: (tenantParam: string | undefined) => JiraVerifier | undefined;
  readonly registry: TenantRegistry;
  readonly dispatcher: () => CommandDispatcher;
  /** The approvals service, read at request time (for `/void approve` without an id). */
  readonly approvals?: () => ApprovalsPort | undefined;
  /** Where replies go (the JIRA ChatPort; undefined when no credentials are configured). */
  readonly chat: () => ChatPort | undefined;
  /** True when a comment is Void's own (it carries Void's marker property); absent without JIRA credentials. */
  readonly ownComment?: (tenantId: string, issueKey: string, commentId: string) => Promise<boolean>;
  readonly log: Logger;
  /** Void's own account ids per tenant (configured, and discovered with /myself): their events are Void's own. */
  readonly botAccounts?: { idsFor(tenant: Tenant): Promise<readonly string[]> };
  /** Replay protection: the signature covers the body, not the webhook identifier header, so a captured delivery
   *  resent under a new identifier is recognised by its body digest (kept as long as delivery ids are). */
  readonly replay?: {
    /** The delivery ledger (its done marks kept `ttlSeconds`). */
    readonly ledger: ClaimLedger;
    readonly ttlSeconds: number;
    readonly maxCommentAgeSeconds?: number;
    readonly now?: () => number;
  };
}

export const json = (status: number, body: Record<string, unknown>): InboundAnswer => ({ status, body });
export const ignored = (reason: string, extra: Record<string, unknown> = {}): InboundAnswer =>
  json(200, { ok: true, ignored: reason, ...extra });

/**
 * What can be told from the delivery alone, without I/O, that nothing would happen: a ticket outside the tenant's
 * projects, a comment that holds no `/void` command or is Void's own. The receiver answers these in the ack instead of
 * queueing them (JIRA sends every comment and edit of every bound project's tickets).
 */
export function nothingToDo(tenant: Tenant, payload: JiraWebhook): InboundAnswer | undefined {
  const unbound = payload.issue ? unboundTicket(tenant, payload.issue.key) : undefined;
  if (unbound) return ignored('project_not_bound', { message: unbound });
  if (payload.webhookEvent !== 'comment_created' || !payload.issue) return undefined;
  const text = commentText(payload.comment?.body);
  if (text.includes(VOID_SENTINEL)) return ignored('own_comment');
  return commentCommand(text, payload.issue.key) === undefined ? ignored('no_command') : undefined;
}

export async function handleEvent(
  deps: JiraEventDeps,
  tenant: Tenant,
  payload: JiraWebhook,
  deliveryId: string,
  req: Pick<InboundRequest, 'log'>,
  attempt?: string,
): Promise<InboundAnswer> {
  const site = normaliseSiteUrl(tenant.bindings.jira?.siteUrl ?? '');
  const unbound = payload.issue ? unboundTicket(tenant, payload.issue.key) : undefined;
  if (unbound) {
    req.log.info(
      { platform: 'jira', tenant: tenant.id },
      "JIRA event about a ticket outside the tenant's projects ignored",
    );
    return ignored('project_not_bound', { message: unbound });
  }
  if (payload.webhookEvent === 'jira:issue_updated' && payload.issue)
    await voidEdited(deps, tenant.id, payload.issue.key, req.log);
  const settings = automationOf(tenant);
  const actorId =
    payload.webhookEvent === 'comment_created' ? payload.comment?.author?.accountId : payload.user?.accountId;
  if (!actorId) return ignored('no_actor');
  const own = deps.botAccounts ? await deps.botAccounts.idsFor(tenant) : settings.botAccountIds;
  if (own.includes(actorId)) return ignored('own_event');
  const issue = payload.issue;
  if (!issue) return ignored('no_issue');
  const thread: ThreadRef = { platform: 'jira', channel: issue.key, thread: site };
  const base = { platform: 'jira' as const, workspaceId: site, platformUserId: actorId, thread, attempt };
  if (payload.webhookEvent === 'comment_created') {
    const text = commentText(payload.comment?.body);
    if (text.includes(VOID_SENTINEL)) return ignored('own_comment');
    const command = commentCommand(text, issue.key);
    if (command === undefined) return ignored('no_command');
    // Void's own comments carry its marker property (one read, only for comments that hold a command).
    const commentId = payload.comment?.id;
    if (commentId && deps.ownComment && (await deps.ownComment(tenant.id, issue.key, commentId).catch(() => false)))
      return ignored('own_comment');
    const member = deps.registry.member(tenant, 'jira', actorId);
    const filled = member
      ? await withApprovalId(command, issue.key, tenant.id, member.id, deps.approvals?.())
      : command;
    const result = await run(deps, { ...base, text: filled, deliveryId }, req.log);
    return json(200, { ok: true, duplicate: result.duplicate });
  }
  const fired = rulesFor(tenant, payload);
  const results: Array<{ rule: string; duplicate: boolean }> = [];
  for (const { rule, text } of fired) {
    const result = await run(deps, { ...base, text, deliveryId: `${deliveryId}.${rule.name}` }, req.log);
    results.push({ rule: rule.name, duplicate: result.duplicate });
  }
  return json(200, { ok: true, fired: results });
}

/**
 * An edited ticket voids the pending `implement` approvals whose ticket digest no longer matches (approvals decides).
 */
async function voidEdited(deps: JiraEventDeps, tenantId: string, key: string, log: Logger): Promise<void> {
  const approvals = deps.approvals?.();
  if (!approvals) return;
  // The request's own thread is told by the approvals module.
  await approvals.voidStale(tenantId, { ticket: key }, `ticket ${key} was edited`).catch((err: unknown) => {
    log.warn({ err: { message: (err as Error)?.message } }, 'could not check approvals against an edited ticket');
  });
}

/** `approve`/`reject` without an id, on a ticket: the one pending request about this ticket the person may decide. */
async function withApprovalId(
  command: string,
  issueKey: string,
  tenantId: string,
  memberId: string,
  approvals: ApprovalsPort | undefined,
): Promise<string> {
  const [verb, first, ...rest] = command.split(' ');
  if (!approvals || (verb !== 'approve' && verb !== 'reject')) return command;
  if (first && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(first) && (await approvals.get(tenantId, first))) return command;
  const about = new RegExp(`(^|[^A-Z0-9_-])${issueKey}([^0-9]|$)`);
  const pending = (await approvals.pendingFor(tenantId, memberId)).filter(
    (card) => card.state === 'pending' && about.test(card.summary),
  );
  return pending.length === 1
    ? [verb, (pending[0] as { id: string }).id, ...(first ? [first] : []), ...rest].join(' ')
    : command;
}

function rulesFor(tenant: Tenant, payload: JiraWebhook) {
  const issue = payload.issue;
  if (!issue) return [];
  const after = stateOf(issue);
  const items = payload.changelog?.items ?? [];
  const created = payload.webhookEvent === 'jira:issue_created';
  return firedRules(automationOf(tenant).rules, {
    event: created ? 'created' : 'updated',
    issueKey: issue.key,
    after,
    before: created ? undefined : previousState(after, items),
    transitionedTo: created ? undefined : transitionedTo(items),
    tenantProjects: tenant.bindings.jira?.projectKeys ?? [],
  });
}

/** Dispatches one command and posts its replies as JIRA comments on the ticket. */
async function run(deps: JiraEventDeps, input: InboundCommand, log: Logger): Promise<{ duplicate: boolean }> {
  // help, whoami, status, policy explain: the one comment below is the answer; no job, no "queued" comment.
  const result = await deps.dispatcher().dispatch({ ...input, receivedAt: new Date() }, {}, { answerAtOnce: true });
  const chat = deps.chat();
  for (const reply of result.replies) {
    if (!chat) {
      log.warn(
        { correlationId: result.correlationId },
        'no JIRA credentials: a reply could not be posted on the ticket',
      );
      break;
    }
    await chat
      .post(input.thread, reply)
      .catch((err: unknown) =>
        log.warn({ err, correlationId: result.correlationId }, 'could not post a reply on the JIRA ticket'),
      );
  }
  return { duplicate: result.duplicate };
}
