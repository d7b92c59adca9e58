// POST /github/webhooks: verifies X-Hub-Signature-256 over the raw bytes before anything reads them, records bad
// signatures on the system audit trail, drops redeliveries (X-GitHub-Delivery) and replays (the same signed body
// under a new delivery id, or a comment older than VOID_MAX_COMMENT_AGE_SECONDS), and answers as soon as the event
// is de-duplicated, audited and queued; reactions and reply comments are posted after the answer.
import { Webhooks } from '@octokit/webhooks';
import type { AuditLog } from '../../bot/core/audit.js';
import type { HttpRequest, HttpResponse } from '../../bot/core/http.js';
import { json } from '../../bot/core/http.js';
import type { DeliveryLedger } from '../../bot/idempotency.js';
import { mapWebhook } from './mapper.js';
import type { GithubEventHandler } from './events.js';

export type SignatureProblem = 'missing' | 'sha1_only' | 'malformed' | 'mismatch';

/**
 * Checks `X-Hub-Signature-256` (`sha256=<64 hex>`) against the raw body with @octokit/webhooks' constant-time
 * verify. Pure: no clock, no I/O besides the HMAC. Never throws.
 */
export async function checkSignature(webhooks: Webhooks, body: Buffer, sha256Header: string | undefined, sha1Header: string | undefined): Promise<SignatureProblem | undefined> {
  if (!sha256Header) return sha1Header ? 'sha1_only' : 'missing';
  if (!/^sha256=[0-9a-f]{64}$/.test(sha256Header)) return 'malformed';
  const text = body.toString('utf8');
  // The library verifies a string: refuse bodies whose bytes do not survive UTF-8 decoding (the HMAC covers bytes).
  if (body.length === 0 || !Buffer.from(text, 'utf8').equals(body)) return 'mismatch';
  try {
    return (await webhooks.verify(text, sha256Header)) ? undefined : 'mismatch';
  } catch {
    return 'mismatch';
  }
}

const header = (req: HttpRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const DELIVERY = /^[A-Za-z0-9-]{1,100}$/;
const EVENT = /^[a-z_]{1,60}$/;

export interface ReceiverDeps {
  readonly webhooks: Webhooks;
  readonly audit: AuditLog;
  readonly ledger: DeliveryLedger;
  readonly handler: GithubEventHandler;
  /** Comment events whose comment was last written longer ago than this are refused (replays of old comments). */
  readonly maxCommentAgeSeconds: number;
  readonly now?: () => number;
}

const COMMENT_EVENTS = new Set(['issue_comment', 'pull_request_review_comment']);

/** Seconds since the comment was last written, or undefined when the payload carries no usable time. */
export function commentAgeSeconds(payload: Record<string, unknown>, now: number): number | undefined {
  const comment = payload.comment as { created_at?: unknown; updated_at?: unknown } | undefined;
  const stamp = typeof comment?.updated_at === 'string' ? comment.updated_at : comment?.created_at;
  const at = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
  return Number.isFinite(at) ? (now - at) / 1000 : undefined;
}

export function githubWebhookRoute(deps: ReceiverDeps): (req: HttpRequest) => Promise<HttpResponse> {
  return async (req) => {
    const event = header(req, 'x-github-event');
    const delivery = header(req, 'x-github-delivery');
    const problem = await checkSignature(deps.webhooks, req.body, header(req, 'x-hub-signature-256'), header(req, 'x-hub-signature'));
    if (problem) {
      await deps.audit.security.record({ action: 'security.bad_signature', source: 'github', reason: problem, target: 'github.webhook', details: { event: event && EVENT.test(event) ? event : undefined } });
      req.log.warn({ reason: problem }, 'GitHub webhook with a bad signature refused');
      return json(401, { error: 'github.bad_signature', message: 'The X-Hub-Signature-256 signature is missing or does not match this App\'s webhook secret.' });
    }
    if (!event || !EVENT.test(event) || !delivery || !DELIVERY.test(delivery)) {
      return json(400, { error: 'github.bad_headers', message: 'X-GitHub-Event and X-GitHub-Delivery are required.' });
    }
    const payload = parsePayload(req.body.toString('utf8'));
    if (payload === undefined) return json(400, { error: 'github.bad_json', message: 'The body is not a JSON object, or it nests too deeply or has a __proto__, constructor or prototype key.' });
    const mapped = mapWebhook(event, payload);
    const log = req.log.child({ deliveryId: delivery, event });
    if (mapped.type === 'ping') return json(200, { ok: true, message: 'pong' });
    if (mapped.type === 'ignore') {
      if (event === 'installation') log.info({ reason: mapped.reason }, 'GitHub App installation changed');
      else log.debug({ reason: mapped.reason }, 'GitHub event ignored');
      return json(200, { ok: true, ignored: mapped.reason });
    }
    const refused = await refuseReplay(deps, event, delivery, payload, req);
    if (refused) return refused;
    if ((await deps.ledger.claim('github-webhook', delivery)) === 'duplicate') {
      log.debug('GitHub redelivery ignored');
      return json(200, { ok: true, duplicate: true });
    }
    try {
      const outcome = await deps.handler.handle(mapped, delivery, log);
      // Not awaited (as in the dispatcher): a lost write lapses with the claim, and the job id still de-duplicates.
      deps.ledger.done('github-webhook', delivery).catch((err: unknown) => log.warn({ err }, 'could not mark the GitHub delivery done'));
      return json(202, { ok: true, ...outcome });
    } catch (error) {
      await deps.ledger.release('github-webhook', delivery).catch(() => undefined);
      throw error;
    }
  };
}

/** An old comment, or signed bytes already seen under another delivery id: answered, recorded, nothing done. */
async function refuseReplay(deps: ReceiverDeps, event: string, delivery: string, payload: Record<string, unknown>, req: HttpRequest): Promise<HttpResponse | undefined> {
  const age = COMMENT_EVENTS.has(event) ? commentAgeSeconds(payload, (deps.now ?? Date.now)()) : undefined;
  if (age !== undefined && age > deps.maxCommentAgeSeconds) {
    await deps.audit.security.record({ action: 'security.stale_delivery', source: 'github', reason: 'old_comment', target: 'github.webhook', details: { event } });
    req.log.info({ deliveryId: delivery, ageSeconds: Math.round(age) }, 'GitHub comment older than the replay window refused');
    return json(400, { error: 'github.stale_comment', message: `The comment is older than ${deps.maxCommentAgeSeconds} seconds (VOID_MAX_COMMENT_AGE_SECONDS); Void does not act on old comments. Post a new comment instead.` });
  }
  if ((await deps.ledger.claimBody('github-webhook', req.body, delivery)) !== 'replay') return undefined;
  await deps.audit.security.record({ action: 'security.replay', source: 'github', reason: 'same_body_new_delivery', target: 'github.webhook', details: { event } });
  req.log.warn({ deliveryId: delivery, event }, 'GitHub webhook body already received under another delivery id: replay ignored');
  return json(200, { ok: true, ignored: 'replay' });
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;

/** A JSON object with no prototype-polluting keys and bounded nesting (checked iteratively); otherwise undefined. */
function parsePayload(text: string): Record<string, unknown> | undefined {
  let forbidden = false;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => ((forbidden ||= FORBIDDEN_KEYS.has(key)), v));
  } catch {
    return undefined;
  }
  if (forbidden || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > MAX_DEPTH) return undefined;
    if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return value as Record<string, unknown>;
}
