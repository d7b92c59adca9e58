// POST /github/webhooks, as GitHub's verify/map/deliver on the one inbound pipeline (bot/http/inbound.ts, which
// refuses repeated signature/delivery headers, records bad signatures, parses safely and claims deliveries):
// X-Hub-Signature-256 over the raw bytes; redeliveries (X-GitHub-Delivery) and replays (the same signed body under a
// new delivery id, or a comment older than VOID_MAX_COMMENT_AGE_SECONDS) are dropped; the answer comes as soon as
// the event is de-duplicated, audited and queued; reactions and reply comments are posted after the answer.
import { isUtf8 } from 'node:buffer';
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  unverified,
  type ClaimLedger,
  type InboundAdapter,
  type InboundAnswer,
  type InboundEndpoint,
  type SecuritySink,
  type InboundRequest,
  type Verdict,
} from '../../bot/core/inbound.js';
import { queueForAck, queueUnavailable, type IntakeItem, type IntakePort, type Queued } from '../../bot/core/intake.js';
import type { Logger } from '../../bot/core/logger.js';
import { ok, refuse } from '../../bot/core/outcome.js';
import { commentFields } from './comment-payload.js';
import { mapWebhook, type GithubEvent } from './mapper.js';
import type { GithubEventHandler } from './events.js';

export type SignatureProblem = 'missing' | 'sha1_only' | 'malformed' | 'mismatch';

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Checks `X-Hub-Signature-256` (`sha256=<64 hex>`) against the raw body: HMAC-SHA256 with the webhook secret over the
 * bytes as received, compared in constant time (what @octokit/webhooks' verify does, without decoding the body to a
 * string for it to encode again). Pure: no clock, no I/O besides the HMAC. Never throws.
 */
export function checkSignature(
  secret: string | KeyObject,
  body: Buffer,
  sha256Header: string | undefined,
  sha1Header: string | undefined,
): Verdict<true> {
  const problem = signatureProblem(secret, body, sha256Header, sha1Header);
  return problem ? unverified(refuse('github.bad_signature'), problem) : ok(true);
}

function signatureProblem(
  secret: string | KeyObject,
  body: Buffer,
  sha256Header: string | undefined,
  sha1Header: string | undefined,
): SignatureProblem | undefined {
  if (!sha256Header) return sha1Header ? 'sha1_only' : 'missing';
  if (!SIGNATURE.test(sha256Header)) return 'malformed';
  // Only bodies of valid UTF-8 are accepted (GitHub sends JSON in UTF-8; the parser reads the body as UTF-8).
  if (body.length === 0 || !isUtf8(body)) return 'mismatch';
  // Both are 64 lower-case hex digits (the header matched SIGNATURE), written into two fixed buffers for
  // timingSafeEqual rather than two new ones per request (nothing awaits in between: no other check shares them).
  EXPECTED.write(createHmac('sha256', secret).update(body).digest('hex'), 'latin1');
  GIVEN.write(sha256Header.slice(7), 'latin1');
  const equal = timingSafeEqual(EXPECTED, GIVEN);
  EXPECTED.fill(0); // the signature of the bytes sent is not left lying in memory
  return equal ? undefined : 'mismatch';
}

const EXPECTED = Buffer.alloc(64);
const GIVEN = Buffer.alloc(64);

const DELIVERY = /^[A-Za-z0-9-]{1,100}$/;
const EVENT = /^[a-z_]{1,60}$/;

export interface ReceiverDeps {
  /** The webhook secret (GITHUB_WEBHOOK_SECRET) that signs X-Hub-Signature-256. */
  readonly secret: string;
  readonly audit: { readonly security: SecuritySink };
  readonly ledger: ClaimLedger;
  readonly handler: GithubEventHandler;
  /** Comment events whose comment was last written longer ago than this are refused (replays of old comments). */
  readonly maxCommentAgeSeconds: number;
  readonly now?: () => number;
  /** PR comment commands are queued here and acked in one round trip (a worker runs them: handleQueued). */
  readonly intake?: IntakePort;
  /** How long a body is remembered (a redelivery or replay within it adds nothing): the ledger's window. */
  readonly dedupeWindowMs?: number;
}

const COMMENT_EVENTS = new Set(['issue_comment', 'pull_request_review_comment']);

/** Seconds since the comment was last written, or undefined when the payload carries no usable time. */
export function commentAgeSeconds(payload: Record<string, unknown>, now: number): number | undefined {
  const comment = payload.comment as { created_at?: unknown; updated_at?: unknown } | undefined;
  const stamp = typeof comment?.updated_at === 'string' ? comment.updated_at : comment?.created_at;
  const at = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
  return Number.isFinite(at) ? (now - at) / 1000 : undefined;
}

interface Delivery {
  readonly mapped: Exclude<GithubEvent, { type: 'ping' }>;
  readonly event: string;
  readonly delivery: string;
  /** Set for a comment command going through the intake: the payload's fields that the worker maps again. */
  readonly queued?: Record<string, unknown>;
}

const eventName = (req: InboundRequest): string | undefined => {
  const event = req.header('x-github-event');
  return event && EVENT.test(event) ? event : undefined;
};

/** POST /github/webhooks on the inbound pipeline (bot/http/inbound.ts): GitHub's verify, map and deliver. */
export function githubWebhook(deps: ReceiverDeps): InboundEndpoint<true, Delivery, InboundRequest> {
  // Made once: an HMAC keyed with a string converts the string to bytes each time.
  const key = createSecretKey(Buffer.from(deps.secret, 'utf8'));
  const adapter: InboundAdapter<true, Delivery, InboundRequest> = {
    platform: 'github',
    authHeaders: ['x-hub-signature-256', 'x-hub-signature', 'x-github-delivery', 'x-github-event'],
    body: 'json',
    badBody: 'github.bad_json',
    target: (req) => ({ target: 'github.webhook', details: { event: eventName(req) } }),
    verify: (req) => checkSignature(key, req.body, req.header('x-hub-signature-256'), req.header('x-hub-signature')),
    map: (payload, req, _credential, now) => {
      const event = req.header('x-github-event');
      const delivery = req.header('x-github-delivery');
      if (!event || !EVENT.test(event) || !delivery || !DELIVERY.test(delivery)) {
        return {
          answer: {
            status: 400,
            body: { error: 'github.bad_headers', message: 'X-GitHub-Event and X-GitHub-Delivery are required.' },
          },
        };
      }
      const mapped = mapWebhook(event, payload);
      if (mapped.type === 'ping') return { answer: { status: 200, body: { ok: true, message: 'pong' } } };
      if (mapped.type === 'ignore') return { event: { mapped, event, delivery } };
      const age = COMMENT_EVENTS.has(event) ? commentAgeSeconds(payload, now) : undefined;
      if (age !== undefined && age > deps.maxCommentAgeSeconds) {
        return {
          answer: {
            status: 400,
            body: {
              error: 'github.stale_comment',
              message:
                `The comment is older than ${deps.maxCommentAgeSeconds} seconds (VOID_MAX_COMMENT_AGE_SECONDS); ` +
                `Void does not act on old comments. Post a new comment instead.`,
            },
          },
          security: {
            action: 'security.stale_delivery',
            source: 'github',
            reason: 'old_comment',
            target: 'github.webhook',
            details: { event },
          },
        };
      }
      // Comment commands: the intake's deduplication claims the body, in the same round trip as the enqueue; the job
      // carries the fields the worker maps, not the whole payload.
      if (deps.intake && mapped.type !== 'pull_request') {
        const queued = commentFields(payload, mapped.source);
        return { event: { mapped, event, delivery, queued } };
      }
      const claim = {
        scope: 'github-webhook',
        id: delivery,
        exclusive: true,
        reason: 'same_body_new_delivery',
        target: 'github.webhook',
        details: { event },
      };
      return { event: { mapped, event, delivery }, claim };
    },
    deliver: async ({ mapped, event, delivery, queued }, _credential, req) => {
      if (queued && deps.intake) return enqueue(deps, deps.intake, { event, delivery, payload: queued }, req);
      const log = req.log.child({ deliveryId: delivery, event });
      if (mapped.type === 'ignore') {
        if (event === 'installation') log.info({ reason: mapped.reason }, 'GitHub App installation changed');
        else log.debug({ reason: mapped.reason }, 'GitHub event ignored');
        return { status: 200, body: { ok: true, ignored: mapped.reason } };
      }
      const outcome = await deps.handler.handle(mapped, delivery, log);
      return { status: 202, body: { ok: true, ...outcome } };
    },
  };
  return { adapter, security: deps.audit.security, ledger: deps.ledger, ...(deps.now ? { now: deps.now } : {}) };
}

/** The ack of a PR comment command: one intake add; a redelivery is a duplicate, the same body under a new delivery
 *  id a replay (recorded, as the pipeline records the others). */
async function enqueue(
  deps: ReceiverDeps,
  intake: IntakePort,
  d: { event: string; delivery: string; payload: Record<string, unknown> },
  req: InboundRequest,
): Promise<InboundAnswer> {
  const item = {
    platform: 'github' as const,
    deliveryId: d.delivery,
    body: d.payload,
    meta: { event: d.event },
    receivedAt: (deps.now ?? Date.now)(),
  };
  const sink = { intake, security: deps.audit.security, windowMs: deps.dedupeWindowMs };
  const replay = { reason: 'same_body_new_delivery', target: 'github.webhook', details: { event: d.event } };
  return ANSWERS[await queueForAck(sink, item, req.body, replay)];
}

const ANSWERS: Record<Queued, InboundAnswer> = {
  queued: { status: 202, body: { ok: true, queued: true } },
  duplicate: { status: 200, body: { ok: true, duplicate: true } },
  replay: { status: 200, body: { ok: true, ignored: 'replay' } },
  unavailable: queueUnavailable('GitHub can redeliver this event.'),
};

/** Runs a queued PR comment command in the worker: the payload is mapped again (pure) and handled. */
export async function handleQueued(
  handler: GithubEventHandler,
  item: IntakeItem,
  attempt: { final: boolean; id: string },
  log: Logger,
): Promise<void> {
  const event = item.meta?.event ?? '';
  const mapped = mapWebhook(event, item.body);
  if (mapped.type === 'ignore' || mapped.type === 'ping') return;
  const child = log.child({ deliveryId: item.deliveryId, event });
  try {
    await handler.handle(mapped, item.deliveryId, child, attempt.id);
  } catch (error) {
    // Nothing was done (the dispatcher gives the delivery back): retried with backoff, the last time the PR is told.
    if (!attempt.final || mapped.type === 'pull_request') throw error;
    handler.tellFailure(mapped, error, child);
  }
}
