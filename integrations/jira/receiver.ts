// POST /jira/webhooks/<tenant>: JIRA Cloud admin webhooks (jira:issue_created, jira:issue_updated, comment_created).
// The signature is checked over the raw bytes, with the one secret of the tenant the URL names, before anything parses
// them. The secret that verified decides the tenant and its site: a body naming any other site is refused (401) and
// recorded on the system trail. Then Void's own events are dropped (no loops), tickets outside the tenant's projects
// are left alone, and every command (a `/void` comment, or a fired automation rule) goes through the
// dispatcher as an InboundCommand, so identity, de-duplication, audit, limits and approvals apply as everywhere.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import {
  unverified,
  type InboundAdapter,
  type InboundAnswer,
  type InboundEndpoint,
  type InboundRequest,
  type Mapped,
  type Verdict,
} from '../../bot/core/inbound.js';
import type { Redis } from 'ioredis';
import { refuse } from '../../bot/core/outcome.js';
import type { ChatPort } from '../../bot/core/ports.js';
import { normaliseSiteUrl, type TenantRegistry } from '../../bot/core/registry.js';
import type { InboundCommand, Tenant, ThreadRef } from '../../bot/core/types.js';
import { correlationIdFor, type Dispatcher } from '../../bot/dispatcher.js';
import type { Logger } from '../../bot/core/logger.js';
import type { AuditTrail } from '../../audit/trail.js';
import { DeliveryLedger } from '../../bot/idempotency.js';
import { SYSTEM_TENANT } from '../../bot/core/audit.js';
import { automationOf } from './automation.schema.js';
import {
  commentCommand,
  commentText,
  namedSites,
  previousState,
  stateOf,
  transitionedTo,
  VOID_SENTINEL,
  webhookSchema,
  type JiraWebhook,
} from './mapper.js';
import { unboundTicket } from './projects.js';
import { firedRules } from './rules.js';

export const HANDLED_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'comment_created'] as const;

/** `X-Hub-Signature: sha256=<hex>` over the raw body with the webhook secret; constant time, never throws. */
export function verifyJiraSignature(raw: Buffer, header: string | undefined, secret: string): Verdict<true> {
  const refusal = refuse('jira.bad_signature', { problem: 'signature' });
  if (!header) return unverified(refusal, 'missing');
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!secret || !match) return unverified(refusal, 'mismatch');
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from((match[1] as string).toLowerCase(), 'hex');
  const ok = given.length === expected.length && timingSafeEqual(given, expected);
  return ok ? { ok: true, value: true } : unverified(refusal, 'mismatch');
}

/** The tenant whose webhook secret may verify a delivery, and that secret. */
export interface JiraVerifier {
  readonly tenant: Tenant;
  readonly secret: string;
}

export interface JiraReceiverDeps {
  /** The verifier for the tenant a URL names (`/jira/webhooks/<tenant>`; undefined for the single-tenant legacy
   *  `/jira/webhooks`), or undefined when no secret may verify deliveries to that URL. */
  readonly verifierFor: (tenantParam: string | undefined) => JiraVerifier | undefined;
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly dispatcher: () => Dispatcher;
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
    readonly redis: Redis;
    readonly prefix: string;
    readonly ttlSeconds: number;
    readonly maxCommentAgeSeconds?: number;
    readonly now?: () => number;
  };
}

const json = (status: number, body: Record<string, unknown>): InboundAnswer => ({ status, body });
const ignored = (reason: string, extra: Record<string, unknown> = {}): InboundAnswer =>
  json(200, { ok: true, ignored: reason, ...extra });
interface JiraDelivery {
  readonly payload: JiraWebhook;
  readonly deliveryId: string;
}

/** POST /jira/webhooks[/<tenant>] on the inbound pipeline (bot/http/inbound.ts): JIRA's verify, map and deliver. */
export function jiraWebhook(deps: JiraReceiverDeps): InboundEndpoint<JiraVerifier, JiraDelivery, InboundRequest> {
  const replay = deps.replay;
  const adapter: InboundAdapter<JiraVerifier, JiraDelivery, InboundRequest> = {
    platform: 'jira',
    authHeaders: ['x-hub-signature', 'x-atlassian-webhook-identifier'],
    body: 'json',
    badBody: 'jira.bad_json',
    target: (req, reason) => ({
      target: `POST ${req.path.slice(0, 120)}`,
      details: { platform: 'jira', signature: reason },
    }),
    verify: (req) => {
      const verifier = deps.verifierFor(req.params.tenant);
      if (!verifier)
        return unverified(refuse('jira.bad_signature', { problem: 'no_secret_for_url' }), 'no_secret_for_url');
      const verdict = verifyJiraSignature(req.body, req.header('x-hub-signature'), verifier.secret);
      return verdict.ok ? { ok: true, value: verifier } : verdict;
    },
    map: (raw, req, _verifier, now) => mapDelivery(raw, req, now, replay),
    admit: async ({ payload }, verifier, req) => {
      const foreign = otherSite(verifier, namedSites(payload, req.query.get('site')));
      return foreign ? refuseOtherSite(deps, verifier, foreign, req) : undefined;
    },
    deliver: ({ payload, deliveryId }, verifier, req) => handleEvent(deps, verifier.tenant, payload, deliveryId, req),
  };
  return {
    adapter,
    security: deps.audit.security,
    ...(replay ? { ledger: new DeliveryLedger(replay.redis, replay.prefix, replay.ttlSeconds) } : {}),
  };
}

/** The payload → an event to claim (the body once: a body seen before under another identifier is a replay), or an
 *  answer: ignored events, malformed payloads, a delivery older than the de-duplication window, an old comment. */
function mapDelivery(
  raw: Record<string, unknown>,
  req: InboundRequest,
  now: number,
  replay: JiraReceiverDeps['replay'],
): Mapped<JiraDelivery> {
  const event = raw.webhookEvent;
  if (typeof event !== 'string')
    return {
      answer: json(400, {
        error: 'jira.bad_payload',
        message: 'The body is not a JIRA webhook: it has no "webhookEvent".',
      }),
    };
  if (!(HANDLED_EVENTS as readonly string[]).includes(event)) return { answer: ignored('event') };
  const parsed = webhookSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      answer: json(400, {
        error: 'jira.bad_payload',
        message:
          `The ${event} payload is not shaped like JIRA Cloud's: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
      }),
    };
  }
  const payload = parsed.data;
  if (!payload.issue)
    return { answer: json(400, { error: 'jira.bad_payload', message: `The ${event} payload names no issue.` }) };
  const digest = createHash('sha256').update(req.body).digest('hex');
  const deliveryId = req.header('x-atlassian-webhook-identifier') ?? `sha256-${digest.slice(0, 32)}`;
  if (!replay) return { event: { payload, deliveryId } };
  const { ttlSeconds, maxCommentAgeSeconds = ttlSeconds } = replay;
  const at = replay.now ? replay.now() : now;
  if (payload.timestamp !== undefined && at - payload.timestamp > ttlSeconds * 1000) {
    return {
      answer: json(400, {
        error: 'jira.stale_delivery',
        message: 'The delivery is older than Void keeps delivery ids; it is not processed.',
      }),
    };
  }
  const created =
    payload.webhookEvent === 'comment_created' ? Date.parse(String(payload.comment?.created ?? '')) : Number.NaN;
  if (Number.isFinite(created) && at - created > maxCommentAgeSeconds * 1000) {
    return {
      answer: json(400, {
        error: 'jira.stale_comment',
        message: `The comment is older than ${maxCommentAgeSeconds} seconds (VOID_MAX_COMMENT_AGE_SECONDS); Void does not act on old comments. Post a new comment instead.`,
      }),
      security: {
        action: 'security.stale_delivery',
        source: 'jira',
        reason: 'old_comment',
        target: 'POST /jira/webhooks',
      },
    };
  }
  return {
    event: { payload, deliveryId },
    claim: { scope: 'jira', id: deliveryId, reason: 'same_body_new_delivery', target: 'POST /jira/webhooks' },
  };
}

/** A named site that is not the site of the tenant whose secret verified the delivery. */
function otherSite(verifier: JiraVerifier, named: readonly string[]): string | undefined {
  const own = normaliseSiteUrl(verifier.tenant.bindings.jira?.siteUrl ?? '');
  return named.find((site) => normaliseSiteUrl(site) !== own && !own.startsWith(`${normaliseSiteUrl(site)}/`));
}

async function refuseOtherSite(
  deps: JiraReceiverDeps,
  verifier: JiraVerifier,
  site: string,
  req: InboundRequest,
): Promise<InboundAnswer> {
  req.log.warn({ platform: 'jira', tenant: verifier.tenant.id }, "JIRA delivery naming another tenant's site refused");
  await deps.audit
    .append({
      tenantId: SYSTEM_TENANT,
      action: 'security.cross_tenant',
      actor: { platform: 'jira' },
      target: site.slice(0, 200),
      outcome: 'denied',
      details: { platform: 'jira', code: 'jira.wrong_site', verifiedFor: verifier.tenant.id },
      correlationId: correlationIdFor('jira', `wrong-site-${randomUUID()}`),
    })
    .catch((err: unknown) =>
      req.log.error({ err }, 'could not record the cross-tenant JIRA delivery in the audit trail'),
    );
  return json(401, {
    error: 'jira.wrong_site',
    message: 'The delivery names a JIRA site other than the one whose webhook secret signed it.',
  });
}

async function handleEvent(
  deps: JiraReceiverDeps,
  tenant: Tenant,
  payload: JiraWebhook,
  deliveryId: string,
  req: InboundRequest,
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
  const base = { platform: 'jira' as const, workspaceId: site, platformUserId: actorId, thread };
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

/** An edited ticket voids the pending `implement` approvals whose ticket digest no longer matches (approvals decides). */
async function voidEdited(deps: JiraReceiverDeps, tenantId: string, key: string, log: Logger): Promise<void> {
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
async function run(deps: JiraReceiverDeps, input: InboundCommand, log: Logger): Promise<{ duplicate: boolean }> {
  const result = await deps.dispatcher().dispatch({ ...input, receivedAt: new Date() });
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
