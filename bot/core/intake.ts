// The intake contract (bot/intake.ts implements it on BullMQ): the web role queues an authenticated request in one
// round trip and acks; a worker runs it through the handler its platform registered. In the kernel so that any
// adapter (bot/slack, bot/teams, integrations/github, integrations/jira) can use it without importing the application
// layer.

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
  /** The one round trip of the ack: adds the item unless the same signed bytes were queued within the window. */
  submit(item: IntakeItem, signed: Buffer | string, windowMs?: number): Promise<Submitted>;
  /** Registers the worker-side handler of one platform's requests. */
  register(platform: IntakePlatform, handler: IntakeHandler): void;
  /** Resolves when every item this process queued and runs itself has been handled (shutdown, tests). */
  settled(): Promise<void>;
}
