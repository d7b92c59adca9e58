// A person's message to Void in Teams, acked after one Redis round trip (ARCHITECTURE.md "The flow of one request"):
// the web role has verified the Bot Framework token (receiver.ts) and screened the activity; a message carrying a
// command is then one add to the intake queue, whose deduplication by the signed bytes' digest drops a redelivery
// (the same activity id) and records a replay (the same bytes under another id), and the answer is an empty 200.
// A worker runs the turn (handleQueued) with the same bot logic the request used to run, under the verified claims
// carried in the item. Kept in the request: invokes (card clicks: the invoke response is the answer), activities
// with `deliveryMode: expectReplies` (their replies are the HTTP body) and every other activity type.
import type { JWTPayload } from 'jose';
import type { InboundAnswer, InboundRequest, SecuritySink } from '../core/inbound.js';
import { queueForAck, queueUnavailable, type IntakeItem, type IntakePort } from '../core/intake.js';
import type { Logger } from '../logger.js';
import { activityFrom, type TeamsActivity } from './mapper.js';

/** The token's claims a turn needs (audience, issuer, the calling app and token version, the service URL): not its
 *  times or id. Claims are not secrets, and the token itself never goes into the item. */
const KEPT_CLAIMS = ['aud', 'iss', 'appid', 'azp', 'ver', 'serviceurl', 'serviceUrl'] as const;

export function keptClaims(claims: JWTPayload): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of KEPT_CLAIMS) if (claims[name] !== undefined) kept[name] = claims[name];
  return kept;
}

/** Whether the activity's turn runs after the ack: a message whose replies are not expected in the HTTP body. */
export function isQueueable(activity: TeamsActivity): boolean {
  return activity.type === 'message' && (activity as { deliveryMode?: unknown }).deliveryMode !== 'expectReplies';
}

export interface TeamsIntakeDeps {
  readonly intake: IntakePort;
  readonly security: SecuritySink;
  /** How long a body is remembered (a redelivery or replay within it adds nothing): the ledger's window. */
  readonly dedupeWindowMs: number;
  readonly now?: () => number;
}

/** The ack of a command message: one intake add. A message Void has nothing to do with never reaches here. */
export async function enqueue(
  deps: TeamsIntakeDeps,
  activity: TeamsActivity & { id: string },
  claims: JWTPayload | undefined,
  req: InboundRequest,
): Promise<InboundAnswer> {
  const item: IntakeItem = {
    platform: 'teams',
    deliveryId: activity.id,
    body: activity,
    ...(claims ? { meta: { claims: JSON.stringify(keptClaims(claims)) } } : {}),
    receivedAt: (deps.now ?? Date.now)(),
  };
  const sink = { intake: deps.intake, security: deps.security, windowMs: deps.dedupeWindowMs };
  const queued = await queueForAck(sink, item, req.body, {
    reason: 'same_body_new_delivery',
    target: 'POST /api/messages',
  });
  if (queued === 'unavailable') return queueUnavailable('The Bot Framework can retry this.');
  if (queued === 'replay')
    req.log.warn({ platform: 'teams', activityId: activity.id }, 'Teams activity already received: replay ignored');
  return { status: 200 };
}

/** Runs one turn for a verified activity; `attempt` goes into the turn (bot.ts INTAKE_ATTEMPT). */
export type RunTurn = (
  activity: TeamsActivity,
  claims: JWTPayload | undefined,
  attempt: { readonly final: boolean; readonly id: string },
) => Promise<unknown>;

/** Runs a queued message in the worker: the activity parsed again (pure) and its turn run under the kept claims.
 *  A failure before anything was done is thrown (the intake retries it); on the last attempt the bot tells the
 *  person. */
export async function handleQueued(
  run: RunTurn,
  item: IntakeItem,
  attempt: { readonly final: boolean; readonly id: string },
  log: Logger,
): Promise<void> {
  const parsed = activityFrom(item.body);
  if (!parsed.ok) {
    log.warn({ deliveryId: item.deliveryId }, 'queued Teams activity not shaped like one: dropped');
    return;
  }
  const claims = item.meta?.claims ? (JSON.parse(item.meta.claims) as JWTPayload) : undefined;
  await run(parsed.activity, claims, attempt);
}
