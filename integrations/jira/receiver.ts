// POST /jira/webhooks: JIRA Cloud admin webhooks (jira:issue_created, jira:issue_updated, comment_created).
// The signature is checked over the raw bytes before anything parses them; then site → tenant, Void's own events
// dropped (no loops), and every command (a `/void` comment, or a fired automation rule) goes through the
// dispatcher as an InboundCommand, so identity, de-duplication, audit, limits and approvals apply as everywhere.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { Redis } from 'ioredis';
import type { ChatPort } from '../../bot/core/ports.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { InboundCommand, Tenant, ThreadRef } from '../../bot/core/types.js';
import { correlationIdFor, type Dispatcher } from '../../bot/dispatcher.js';
import { json, type Handler, type HttpRequest, type HttpResponse } from '../../bot/http/server.js';
import type { Logger } from '../../bot/logger.js';
import type { AuditTrail } from '../../audit/trail.js';
import { DeliveryLedger } from '../../bot/idempotency.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { automationOf } from './automation.schema.js';
import { commentCommand, commentText, previousState, siteOf, stateOf, transitionedTo, VOID_SENTINEL, webhookSchema, type JiraWebhook } from './mapper.js';
import { firedRules } from './rules.js';

export const HANDLED_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'comment_created'] as const;

/** `X-Hub-Signature: sha256=<hex>` over the raw body with the webhook secret; constant time, never throws. */
export function verifyJiraSignature(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from((match[1] as string).toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signJira(raw: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

export interface JiraReceiverDeps {
  readonly secret: string;
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly dispatcher: () => Dispatcher;
  /** The approvals service, read at request time (for `/void approve` without an id). */
  readonly approvals?: () => ApprovalsPort | undefined;
  /** Where replies go (the JIRA ChatPort; undefined when no credentials are configured). */
  readonly chat: () => ChatPort | undefined;
  readonly log: Logger;
  /** Replay protection: the signature covers the body, not the webhook identifier header, so a captured delivery
   *  resent under a new identifier is recognised by its body digest (kept as long as delivery ids are). */
  readonly replay?: { readonly redis: Redis; readonly prefix: string; readonly ttlSeconds: number; readonly maxCommentAgeSeconds?: number; readonly now?: () => number };
}

const header = (req: HttpRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const ignored = (reason: string, extra: Record<string, unknown> = {}): HttpResponse => json(200, { ok: true, ignored: reason, ...extra });

export function jiraWebhookHandler(deps: JiraReceiverDeps): Handler {
  return async (req) => {
    if (!verifyJiraSignature(req.body, header(req, 'x-hub-signature'), deps.secret)) return rejectSignature(deps, req);
    let raw: unknown;
    try {
      raw = JSON.parse(req.body.toString('utf8'));
    } catch {
      return json(400, { error: 'jira.bad_json', message: 'The body is not valid JSON.' });
    }
    const event = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { webhookEvent?: unknown }).webhookEvent : undefined;
    if (typeof event !== 'string') return json(400, { error: 'jira.bad_payload', message: 'The body is not a JIRA webhook: it has no "webhookEvent".' });
    if (!(HANDLED_EVENTS as readonly string[]).includes(event)) {
      deps.log.debug({ event: event.slice(0, 60) }, 'JIRA event ignored');
      return ignored('event');
    }
    const parsed = webhookSchema.safeParse(raw);
    if (!parsed.success) {
      return json(400, { error: 'jira.bad_payload', message: `The ${event} payload is not shaped like JIRA Cloud's: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim() });
    }
    const digest = createHash('sha256').update(req.body).digest('hex');
    const deliveryId = header(req, 'x-atlassian-webhook-identifier') ?? `sha256-${digest.slice(0, 32)}`;
    const replayed = await checkReplay(deps, parsed.data, req.body, deliveryId);
    if (replayed) return replayed;
    return handleEvent(deps, parsed.data, deliveryId, req);
  };
}

/** A body seen before under another identifier is a replay; a delivery older than the de-duplication window, or a
 *  comment older than VOID_MAX_COMMENT_AGE_SECONDS, is refused. */
async function checkReplay(deps: JiraReceiverDeps, payload: JiraWebhook, body: Buffer, deliveryId: string): Promise<HttpResponse | undefined> {
  if (!deps.replay) return undefined;
  const { redis, prefix, ttlSeconds, maxCommentAgeSeconds = ttlSeconds, now = Date.now } = deps.replay;
  if (payload.timestamp !== undefined && now() - payload.timestamp > ttlSeconds * 1000) {
    return json(400, { error: 'jira.stale_delivery', message: 'The delivery is older than Void keeps delivery ids; it is not processed.' });
  }
  const created = payload.webhookEvent === 'comment_created' ? Date.parse(String(payload.comment?.created ?? '')) : Number.NaN;
  if (Number.isFinite(created) && now() - created > maxCommentAgeSeconds * 1000) {
    await deps.audit.security.record({ action: 'security.stale_delivery', source: 'jira', reason: 'old_comment', target: 'POST /jira/webhooks' });
    return json(400, { error: 'jira.stale_comment', message: `The comment is older than ${maxCommentAgeSeconds} seconds (VOID_MAX_COMMENT_AGE_SECONDS); Void does not act on old comments. Post a new comment instead.` });
  }
  if ((await new DeliveryLedger(redis, prefix, ttlSeconds).claimBody('jira', body, deliveryId)) !== 'replay') return undefined;
  await deps.audit.security.record({ action: 'security.replay', source: 'jira', reason: 'same_body_new_delivery', target: 'POST /jira/webhooks' });
  return ignored('replay');
}

async function rejectSignature(deps: JiraReceiverDeps, req: HttpRequest): Promise<HttpResponse> {
  const reason = header(req, 'x-hub-signature') ? 'mismatch' : 'missing';
  req.log.warn({ platform: 'jira', reason }, 'JIRA webhook with a bad signature refused');
  await deps.audit.security.record({ action: 'security.bad_signature', source: 'jira', reason, target: 'POST /jira/webhooks', details: { platform: 'jira', signature: reason } });
  return json(401, { error: 'jira.bad_signature', message: 'The X-Hub-Signature header does not match the body and the webhook secret.' });
}

async function handleEvent(deps: JiraReceiverDeps, payload: JiraWebhook, deliveryId: string, req: HttpRequest): Promise<HttpResponse> {
  const site = siteOf(payload, req.query.get('site'));
  if (!site) return json(400, { error: 'jira.no_site', message: 'The payload names no JIRA site (issue.self) and there is no ?site= parameter.' });
  const tenant = deps.registry.tenantFor('jira', site);
  if (!tenant) return refuseSite(deps, site, deliveryId, req);
  const settings = automationOf(tenant);
  const actorId = payload.webhookEvent === 'comment_created' ? payload.comment?.author?.accountId : payload.user?.accountId;
  if (!actorId) return ignored('no_actor');
  if (settings.botAccountIds.includes(actorId)) return ignored('own_event');
  const issue = payload.issue;
  if (!issue) return ignored('no_issue');
  const thread: ThreadRef = { platform: 'jira', channel: issue.key, thread: site };
  const base = { platform: 'jira' as const, workspaceId: site, platformUserId: actorId, thread };
  if (payload.webhookEvent === 'comment_created') {
    const text = commentText(payload.comment?.body);
    if (text.includes(VOID_SENTINEL)) return ignored('own_comment');
    const command = commentCommand(text, issue.key);
    if (command === undefined) return ignored('no_command');
    const member = deps.registry.member(tenant, 'jira', actorId);
    const filled = member ? await withApprovalId(command, issue.key, tenant.id, member.id, deps.approvals?.()) : command;
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

/** `approve`/`reject` without an id, on a ticket: the one pending request about this ticket the person may decide. */
async function withApprovalId(command: string, issueKey: string, tenantId: string, memberId: string, approvals: ApprovalsPort | undefined): Promise<string> {
  const [verb, first, ...rest] = command.split(' ');
  if (!approvals || (verb !== 'approve' && verb !== 'reject')) return command;
  if (first && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(first) && (await approvals.get(tenantId, first))) return command;
  const about = new RegExp(`(^|[^A-Z0-9_-])${issueKey}([^0-9]|$)`);
  const pending = (await approvals.pendingFor(tenantId, memberId)).filter((card) => card.state === 'pending' && about.test(card.summary));
  return pending.length === 1 ? [verb, (pending[0] as { id: string }).id, ...(first ? [first] : []), ...rest].join(' ') : command;
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

async function refuseSite(deps: JiraReceiverDeps, site: string, deliveryId: string, req: HttpRequest): Promise<HttpResponse> {
  req.log.info({ platform: 'jira' }, 'JIRA webhook from a site bound to no tenant refused');
  await deps.audit.append({
    tenantId: SYSTEM_TENANT,
    action: 'request.rejected',
    actor: { platform: 'jira' },
    target: site.slice(0, 200),
    outcome: 'denied',
    details: { code: 'identity.unknown_workspace' },
    correlationId: correlationIdFor('jira', deliveryId),
  });
  return json(403, { error: 'identity.unknown_workspace', message: 'This JIRA site is not connected to Void.' });
}

/** Dispatches one command and posts its replies as JIRA comments on the ticket. */
async function run(deps: JiraReceiverDeps, input: InboundCommand, log: Logger): Promise<{ duplicate: boolean }> {
  const result = await deps.dispatcher().dispatch({ ...input, receivedAt: new Date() });
  const chat = deps.chat();
  for (const reply of result.replies) {
    if (!chat) {
      log.warn({ correlationId: result.correlationId }, 'no JIRA credentials: a reply could not be posted on the ticket');
      break;
    }
    await chat.post(input.thread, reply).catch((err: unknown) => log.warn({ err, correlationId: result.correlationId }, 'could not post a reply on the JIRA ticket'));
  }
  return { duplicate: result.duplicate };
}
