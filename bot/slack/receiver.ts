// POST /slack/events on Void's own HTTP server: one endpoint for slash commands, events and interactivity, as Slack's
// verify/map/deliver on the one inbound pipeline (bot/http/inbound.ts: header policy, safe parsing, the 401 refusal
// and its security record, the replay claim, the after-ack tracker). Order: (1) the v0 signature over the raw bytes,
// (2) parsing, (3) the queue check and the replay claim, (4) the identity check for requests that ask Void to do
// something (unknown workspace or person → 403, audited, nothing enqueued), (5) Bolt's processEvent, whose ack() IS
// the HTTP answer, well inside Slack's 3 seconds; the listeners go on working after it.
import { randomUUID } from 'node:crypto';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { AuditTrail } from '../../audit/trail.js';
import type { InboundAdapter } from '../core/inbound.js';
import { AfterAck, inboundHandler } from '../http/inbound.js';
import type { HttpRequest, HttpResponse, InboundRequest } from '../http/server.js';
import type { DeliveryLedger } from '../idempotency.js';
import type { IntakeItem, IntakePort } from '../core/intake.js';
import type { Logger } from '../logger.js';
import { slackShape, type SlackBody } from './body.js';
import { APPROVE_ACTION, decisionActionOf, isCommandPayload } from './mapper.js';
import { deliveryOf } from './precheck.js';
import { verifySlackSignature } from './signature.js';

/** Answer with this when nobody acked in time: Slack's deadline is 3 s, and a late 200 is better than a retry. */
const ACK_DEADLINE_MS = 2_500;

export interface SlackReceiverOptions {
  readonly signingSecret: string;
  readonly audit: AuditTrail;
  readonly log: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** Requests that need a known workspace and person: a 4xx answer, or undefined to go on. */
  readonly precheck: (body: SlackBody) => Promise<HttpResponse | undefined>;
  /** False when the queue's Redis is not connected: commands get 503 so that Slack retries them later. */
  readonly queueReady?: () => boolean;
  /** Replay protection: the exact signed bytes (timestamp and body) are accepted once. Slack's retries are signed
   *  anew with a new timestamp, so only a captured request sent again matches. */
  readonly ledger?: DeliveryLedger;
  /** Commands (slash commands, mentions, direct messages) are queued here and acked in one round trip; the worker
   *  runs them through Bolt. Without it they run in this process after the ack. */
  readonly intake?: IntakePort;
  /** The answer of a slash command that needs no job (help, whoami, status…), to send back in the ack; undefined
   *  when the command needs the worker. Decided without I/O; the promise may read. */
  readonly answerNow?: (body: SlackBody) => Promise<HttpResponse> | undefined;
}

/**
 * What goes through the intake: commands and the Approve click (its ack is an empty 200; the decision and the card
 * update run in a worker, so a web process that dies after the ack loses no decision). Not the Reject click (it opens
 * a modal with a trigger id that lapses in 3 s) nor forms (their acks carry the form's errors).
 */
const viaIntake = (body: SlackBody): boolean =>
  typeof body.command === 'string' ||
  body.type === 'event_callback' ||
  (body.type === 'block_actions' && decisionActionOf(body)?.action_id === APPROVE_ACTION);

/** Twice Slack's 5-minute signature window (either direction): a replay later than that fails the signature. */
const REPLAY_TTL_SECONDS = 11 * 60;

/** Redis cannot take the request: nothing was queued; Slack retries events, and the person sees why. */
const queueDown = (): HttpResponse => ({
  status: 503,
  headers: { 'retry-after': '5' },
  body: {
    error: 'queue.unavailable',
    message: 'The job queue is unavailable right now; nothing was queued. Please try again shortly.',
  },
});

const text = (status: number, error: string, message: string): HttpResponse => ({ status, body: { error, message } });

export class SlackReceiver implements Receiver {
  private bolt: App | undefined;
  private readonly after = new AfterAck();
  readonly handle: (req: HttpRequest) => Promise<HttpResponse>;

  constructor(private readonly options: SlackReceiverOptions) {
    this.handle = inboundHandler(
      {
        adapter: this.adapter(),
        security: options.audit.security,
        ledger: options.ledger,
        ...(options.now ? { now: options.now } : {}),
      },
      this.after,
    );
  }

  init(app: App): void {
    this.bolt = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Resolves when every request handed to Bolt has finished its work (the part after the ack included). */
  async settled(): Promise<void> {
    await this.after.settled();
    await this.options.intake?.settled();
  }

  private adapter(): InboundAdapter<{ timestamp: number }, SlackBody, InboundRequest> {
    const options = this.options;
    return {
      platform: 'slack',
      authHeaders: ['x-slack-signature', 'x-slack-request-timestamp', 'x-slack-retry-num'],
      body: 'form-or-json',
      badBody: 'slack.bad_body',
      target: (req) => ({ target: req.path }),
      verify: (req) =>
        verifySlackSignature({
          headers: req.headers,
          rawBody: req.body,
          signingSecret: options.signingSecret,
          nowSeconds: Math.floor((options.now ?? Date.now)() / 1000),
        }),
      map: (parsed, req) => {
        const shaped = slackShape(parsed);
        if (!shaped.ok) return { answer: text(400, 'slack.bad_body', shaped.refusal.message) };
        const body = shaped.body;
        if (body.ssl_check !== undefined) return { answer: { status: 200 } };
        if (body.type === 'url_verification')
          return { answer: { status: 200, body: { challenge: String(body.challenge ?? '') } } };
        // Queued commands are claimed by the intake's own deduplication, in the same round trip as the enqueue.
        if (options.intake && viaIntake(body)) return { event: body };
        const signed = signedBytes(req);
        return {
          event: body,
          claim: {
            scope: 'slack',
            id: randomUUID(),
            signed,
            ttlSeconds: REPLAY_TTL_SECONDS,
            reason: 'same_signed_request',
            target: req.path,
            replayAnswer: { status: 200 },
          },
        };
      },
      admit: async (body) => {
        if (!isCommandPayload(body) || !options.queueReady || options.queueReady()) return undefined;
        return queueDown();
      },
      deliver: async (body, _credential, req, ctx) => {
        const refused = await options.precheck(body);
        if (refused) return refused;
        return options.intake && viaIntake(body)
          ? this.enqueue(options.intake, req, body)
          : this.process(req, body, ctx.afterAck);
      },
    };
  }

  /** The ack of a command: one intake add (with the answer, for commands that need no job), then 200. */
  private async enqueue(intake: IntakePort, req: InboundRequest, body: SlackBody): Promise<HttpResponse> {
    const answer = typeof body.command === 'string' ? this.options.answerNow?.(body) : undefined;
    const retry = req.header('x-slack-retry-num');
    const reason = req.header('x-slack-retry-reason');
    const meta = { ...(retry ? { retryNum: retry } : {}), ...(reason ? { retryReason: reason } : {}) };
    const item: IntakeItem = {
      platform: 'slack',
      deliveryId: deliveryOf(body).deliveryId,
      body,
      ...(retry || reason ? { meta } : {}),
      ...(answer ? { answered: true } : {}),
      receivedAt: (this.options.now ?? Date.now)(),
    };
    const [answered, submitted] = await Promise.all([
      answer?.catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'could not answer a Slack command in the ack');
        return undefined;
      }),
      intake.submit(item, signedBytes(req)).catch((error: unknown) => {
        this.options.log.error({ err: error }, 'could not queue a Slack command');
        return undefined;
      }),
    ]);
    if (!submitted) return queueDown();
    if (submitted.outcome === 'replay') {
      req.log.warn({ platform: 'slack' }, 'slack request already received (the same signed bytes): replay ignored');
      const replay = { action: 'security.replay', source: 'slack', reason: 'same_signed_request' } as const;
      await this.options.audit.security.record({ ...replay, target: req.path });
      return { status: 200 };
    }
    return answered ?? { status: 200 };
  }

  /** Runs a queued request through Bolt in the worker; its listeners do the work (the ack was sent long ago). */
  async handleQueued(item: IntakeItem, attempt: { id: string }): Promise<void> {
    const bolt = this.bolt;
    if (!bolt) throw new Error('the Slack adapter is not initialised in this worker');
    const retryNum = Number.parseInt(item.meta?.retryNum ?? '', 10);
    // Bolt hands a listener's error to its error handler and rethrows it; the listeners have told the person what
    // they could, so the item is not run again (a retry would repeat what already happened).
    await bolt
      .processEvent({
        body: item.body,
        ...(Number.isFinite(retryNum) ? { retryNum } : {}),
        ...(item.meta?.retryReason ? { retryReason: item.meta.retryReason } : {}),
        customProperties: { voidIntakeJob: attempt.id, ...(item.answered ? { voidAnswered: true } : {}) },
        ack: async () => undefined,
      })
      .catch((err: unknown) => this.options.log.error({ err }, 'a Slack listener failed on a queued request'));
  }

  /** Runs Bolt; the first ack() (or the end of processing, or the deadline) is the HTTP answer. */
  private process(
    req: InboundRequest,
    body: SlackBody,
    afterAck: (work: Promise<unknown>) => void,
  ): Promise<HttpResponse> {
    const bolt = this.bolt;
    if (!bolt) return Promise.resolve(text(503, 'slack.not_ready', 'The Slack adapter is starting; retry shortly.'));
    const retryNum = Number.parseInt(String(req.headers['x-slack-retry-num'] ?? ''), 10);
    const retryReason = req.headers['x-slack-retry-reason'];
    return new Promise<HttpResponse>((resolve) => {
      let answered = false;
      const answer = (response: HttpResponse) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(response);
      };
      const timer = setTimeout(() => {
        this.options.log.warn('no Slack listener acked within the deadline; answered 200');
        answer({ status: 200 });
      }, ACK_DEADLINE_MS);
      const event: ReceiverEvent = {
        body,
        retryNum: Number.isFinite(retryNum) ? retryNum : undefined,
        retryReason: typeof retryReason === 'string' ? retryReason : undefined,
        ack: async (response?: unknown) => answer(ackResponse(response)),
      };
      const work = bolt
        .processEvent(event)
        .catch((err: unknown) => this.options.log.error({ err }, 'a Slack listener failed'))
        .finally(() => answer({ status: 200 }));
      afterAck(work);
    });
  }
}

/** What Slack signed: `v0:<timestamp>:<body>` (a retry is signed anew; only a captured request matches). */
const signedBytes = (req: InboundRequest): Buffer =>
  Buffer.concat([Buffer.from(`v0:${String(req.header('x-slack-request-timestamp'))}:`), req.body]);

/** Bolt's ack argument → the HTTP answer: nothing → empty 200; a string → text; an object → JSON. */
export function ackResponse(response: unknown): HttpResponse {
  if (response === undefined || response === null || response === '') return { status: 200 };
  if (typeof response === 'string')
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: response };
  return { status: 200, body: response as Record<string, unknown> };
}
