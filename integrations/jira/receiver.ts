// POST /jira/webhooks/<tenant>: JIRA Cloud admin webhooks (jira:issue_created, jira:issue_updated, comment_created).
// The signature is checked over the raw bytes, with the one secret of the tenant the URL names, before anything parses
// them. The secret that verified decides the tenant and its site: a body naming any other site is refused (401) and
// recorded on the system trail. Then the delivery is acked after one Redis round trip (ARCHITECTURE.md "The flow of
// one request"): one add to the intake queue, whose deduplication by the signed bytes' digest drops a redelivery
// (same X-Atlassian-Webhook-Identifier) and records a replay (the same body under another identifier). A worker runs
// it (queued.ts, then events.ts): Void's own events are dropped (no loops), tickets outside the tenant's projects are
// left alone, and every command (a `/void` comment, or a fired automation rule) goes through the dispatcher as an
// InboundCommand, so identity, de-duplication, audit, limits and approvals apply as everywhere.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  unverified,
  type InboundAdapter,
  type InboundAnswer,
  type InboundEndpoint,
  type InboundRequest,
  type Mapped,
  type Verdict,
} from '../../bot/core/inbound.js';
import { refuse } from '../../bot/core/outcome.js';
import { normaliseSiteUrl } from '../../bot/core/registry.js';
import { correlationIdFor, type CommandDispatcher } from '../../bot/core/dispatch.js';
import { queueForAck, queueUnavailable, type IntakePort, type Queued } from '../../bot/core/intake.js';
import { SYSTEM_TENANT, type AuditLog } from '../../bot/core/audit.js';
import { namedSites, webhookSchema, type JiraWebhook } from './mapper.js';
import { queuedMeta } from './queued.js';
import { handleEvent, ignored, json, nothingToDo, type JiraEventDeps, type JiraVerifier } from './events.js';

export type { JiraVerifier } from './events.js';

export interface JiraReceiverDeps extends Omit<JiraEventDeps, 'dispatcher'> {
  /** Where a delivery naming another tenant's site is recorded (the system trail). */
  readonly audit: AuditLog;
  readonly dispatcher: () => CommandDispatcher;
  /** Deliveries are queued here and acked in one round trip (a worker runs them: queued.ts handleQueued). */
  readonly intake?: IntakePort;
  /** How long a body is remembered (a redelivery or replay within it adds nothing): the ledger's window. */
  readonly dedupeWindowMs?: number;
}

const WEBHOOK_IDENTIFIER = /^[A-Za-z0-9._-]{1,100}$/;

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
    map: (raw, req, _verifier, now) => {
      const mapped = mapDelivery(raw, req, now, replay);
      // Through the intake, its deduplication claims the body, in the same round trip as the enqueue.
      return deps.intake && 'event' in mapped ? { event: mapped.event } : mapped;
    },
    admit: async ({ payload }, verifier, req) => {
      const foreign = otherSite(verifier, namedSites(payload, req.query.get('site')));
      return foreign ? refuseOtherSite(deps, verifier, foreign, req) : undefined;
    },
    deliver: async ({ payload, deliveryId }, verifier, req) => {
      if (!deps.intake) return handleEvent(deps, verifier.tenant, payload, deliveryId, req);
      // A delivery that would do nothing is answered now, not queued (pure checks: no round trip at all).
      return (
        nothingToDo(verifier.tenant, payload) ?? enqueue(deps, deps.intake, { payload, deliveryId }, verifier, req)
      );
    },
  };
  return {
    adapter,
    security: deps.audit.security,
    ...(replay ? { ledger: replay.ledger } : {}),
  };
}

/** The ack: one intake add; a redelivery is a duplicate, the same body under another identifier a replay
 *  (recorded, as the pipeline records the others). The item names the tenant whose secret verified the delivery
 *  (the worker looks its verifier up again), never a secret. */
async function enqueue(
  deps: JiraReceiverDeps,
  intake: IntakePort,
  { payload, deliveryId }: JiraDelivery,
  verifier: JiraVerifier,
  req: InboundRequest,
): Promise<InboundAnswer> {
  const item = {
    platform: 'jira' as const,
    deliveryId,
    body: payload,
    meta: queuedMeta(verifier.tenant.id, req.params.tenant === undefined),
    receivedAt: (deps.replay?.now ?? Date.now)(),
  };
  const sink = { intake, security: deps.audit.security, windowMs: deps.dedupeWindowMs };
  const queued = await queueForAck(sink, item, req.body, {
    reason: 'same_body_new_delivery',
    target: 'POST /jira/webhooks',
  });
  if (queued === 'replay')
    req.log.warn(
      { platform: 'jira', deliveryId },
      'jira request already received (the same signed bytes): replay ignored',
    );
  return ANSWERS[queued];
}

const ANSWERS: Record<Queued, InboundAnswer> = {
  queued: json(202, { ok: true, queued: true }),
  duplicate: json(200, { ok: true, duplicate: true }),
  replay: json(200, { ok: true, ignored: 'replay' }),
  unavailable: queueUnavailable('JIRA retries this delivery.'),
};

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
        message: (
          `The ${event} payload is not shaped like JIRA ` +
          `Cloud's: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`
        ).trim(),
      }),
    };
  }
  const payload = parsed.data;
  if (!payload.issue)
    return { answer: json(400, { error: 'jira.bad_payload', message: `The ${event} payload names no issue.` }) };
  const given = req.header('x-atlassian-webhook-identifier');
  // It names Redis keys and queued data: JIRA's identifiers are short tokens (digits, letters, dashes).
  if (given !== undefined && !WEBHOOK_IDENTIFIER.test(given))
    return {
      answer: json(400, {
        error: 'jira.bad_headers',
        message: 'X-Atlassian-Webhook-Identifier must be 1 to 100 letters, digits, dots, dashes or underscores.',
      }),
    };
  const digest = createHash('sha256').update(req.body).digest('hex');
  const deliveryId = given ?? `sha256-${digest.slice(0, 32)}`;
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
        message:
          `The comment is older than ${maxCommentAgeSeconds} seconds (VOID_MAX_COMMENT_AGE_SECONDS); ` +
          `Void does not act on old comments. Post a new comment instead.`,
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
