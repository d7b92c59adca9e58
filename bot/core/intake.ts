// The intake contract (bot/intake.ts implements it on BullMQ): the web role queues an authenticated request in one
// round trip and acks; a worker runs it through the handler its platform registered. In the kernel so that any
// adapter (bot/slack, bot/teams, integrations/github, integrations/jira) can use it without importing the application
// layer.

import type { InboundAnswer, SecurityRecord, SecuritySink } from './inbound.js';

export type IntakePlatform = 'slack' | 'github' | 'jira' | 'teams';

/** One authenticated request, as the worker needs it. The body is what the platform signed, parsed. */
export interface IntakeItem {
  readonly platform: IntakePlatform;
  readonly deliveryId: string;
  readonly body: Record<string, unknown>;
  /** Headers the handler needs (Slack's retry number, GitHub's event name, the JIRA tenant whose secret verified,
   *  the Bot Framework token's claims that a Teams turn needs). */
  readonly meta?: Readonly<Record<string, string>>;
  /** The answer already went back in the ack (help, whoami, status…): the worker only records the command. */
  readonly answered?: boolean;
  /** When the web role received it (milliseconds since the epoch). */
  readonly receivedAt: number;
  /** The request's trace context (W3C traceparent), so that the worker's spans join the request's trace. */
  readonly trace?: Readonly<Record<string, string>>;
}

export interface Submitted {
  /** `replay`: the same signed bytes were queued before (under another job); nothing was added. */
  readonly outcome: 'queued' | 'replay';
  readonly jobId: string;
  /** For a replay: the delivery id the first copy came with, when it is still known (a platform's redelivery
   *  carries the same id; a replay under a new id is a security event). */
  readonly firstDeliveryId?: string;
}

/** `final`: no retry follows if this attempt throws (the handler should tell the person instead); `id`: the queued
 *  item's id, the same on every run of it (InboundCommand.attempt). */
export type IntakeHandler = (
  item: IntakeItem,
  attempt: { readonly final: boolean; readonly id: string },
) => Promise<void>;

export interface IntakePort {
  /** `<queue>-intake`: the intake's name in metrics. */
  readonly name: string;
  /** Items waiting for a worker, being run, and failed after their last attempt (read from Redis). */
  counts(): Promise<{ waiting: number; active: number; failed: number }>;
  /** The one round trip of the ack: adds the item unless the same signed bytes were queued within the window. */
  submit(item: IntakeItem, signed: Buffer | string, windowMs?: number): Promise<Submitted>;
  /** Registers the worker-side handler of one platform's requests. */
  register(platform: IntakePlatform, handler: IntakeHandler): void;
  /** Resolves when every item this process queued and runs itself has been handled (shutdown, tests). */
  settled(): Promise<void>;
}

/** How the ack's one intake add went. `replay`: the same signed bytes came before under another delivery id (the
 *  security record is written); `duplicate`: a platform redelivery (same bytes, same id); `unavailable`: Redis did
 *  not take it, nothing was queued (answer 503: the platform retries). */
export type Queued = 'queued' | 'duplicate' | 'replay' | 'unavailable';

/** The ack of a queued webhook (GitHub, JIRA, Teams: their signatures carry no timestamp, so the same bytes under
 *  the same delivery id are a redelivery, under another one a replay). Slack's own ack differs: it signs a
 *  timestamp, so the same bytes are always a replay (bot/slack/receiver.ts). */
export async function queueForAck(
  deps: { readonly intake: IntakePort; readonly security: SecuritySink; readonly windowMs?: number | undefined },
  item: IntakeItem,
  signed: Buffer | string,
  replay: Omit<SecurityRecord, 'action' | 'source'>,
): Promise<Queued> {
  const submitted = await deps.intake.submit(item, signed, deps.windowMs).catch(() => undefined);
  if (!submitted) return 'unavailable';
  if (submitted.outcome === 'queued') return 'queued';
  if (submitted.firstDeliveryId === item.deliveryId) return 'duplicate';
  await deps.security.record({ action: 'security.replay', source: item.platform, ...replay });
  return 'replay';
}

/** The 503 of an ack whose intake add Redis did not take; `retry` says who retries. */
export const queueUnavailable = (retry: string): InboundAnswer => ({
  status: 503,
  headers: { 'retry-after': '5' },
  body: { error: 'queue.unavailable', message: `The job queue is unavailable right now; nothing was queued. ${retry}` },
});
