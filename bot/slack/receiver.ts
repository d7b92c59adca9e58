// POST /slack/events on Void's own HTTP server: one endpoint for slash commands, events and interactivity.
// Order matters: (1) the v0 signature over the raw bytes, (2) parsing, (3) the identity check for requests that ask
// Void to do something (unknown workspace or person → 403, audited, nothing enqueued), (4) Bolt's processEvent,
// whose ack() IS the HTTP answer, well inside Slack's 3 seconds; the listeners go on working after it.
import { randomUUID } from 'node:crypto';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { AuditTrail } from '../../audit/trail.js';
import type { HttpRequest, HttpResponse } from '../http/server.js';
import type { DeliveryLedger } from '../idempotency.js';
import type { Logger } from '../logger.js';
import { parseSlackBody, type SlackBody } from './body.js';
import { isCommandPayload } from './mapper.js';
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
}

/** Twice Slack's 5-minute signature window (either direction): a replay later than that fails the signature. */
const REPLAY_TTL_SECONDS = 11 * 60;

const text = (status: number, error: string, message: string): HttpResponse => ({ status, body: { error, message } });

export class SlackReceiver implements Receiver {
  private bolt: App | undefined;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly options: SlackReceiverOptions) {}

  init(app: App): void {
    this.bolt = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Resolves when every request handed to Bolt has finished its work (the part after the ack included). */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  readonly handle = async (req: HttpRequest): Promise<HttpResponse> => {
    const now = this.options.now ?? Date.now;
    const verdict = verifySlackSignature({ headers: req.headers, rawBody: req.body, signingSecret: this.options.signingSecret, nowSeconds: Math.floor(now() / 1000) });
    if (!verdict.ok) return this.refuseSignature(req, verdict.reason);
    const parsed = parseSlackBody(req.body, req.headers['content-type']);
    if (!parsed.ok) return text(400, 'slack.bad_body', parsed.message);
    const body = parsed.body;
    if (body.ssl_check !== undefined) return { status: 200 };
    if (body.type === 'url_verification') return { status: 200, body: { challenge: String(body.challenge ?? '') } };
    if (isCommandPayload(body) && this.options.queueReady && !this.options.queueReady()) {
      return { status: 503, headers: { 'retry-after': '5' }, body: { error: 'queue.unavailable', message: 'The job queue is unavailable right now; nothing was queued. Please try again shortly.' } };
    }
    if (await this.isReplay(req)) return { status: 200 };
    const refused = await this.options.precheck(body);
    if (refused) return refused;
    return this.process(req, body);
  };

  private async isReplay(req: HttpRequest): Promise<boolean> {
    const ledger = this.options.ledger;
    if (!ledger) return false;
    const signed = Buffer.concat([Buffer.from(`v0:${String(req.headers['x-slack-request-timestamp'])}:`), req.body]);
    if ((await ledger.claimBody('slack', signed, randomUUID(), REPLAY_TTL_SECONDS)) !== 'replay') return false;
    this.options.log.warn({ path: req.path }, 'Slack request already received (same timestamp and body): replay ignored');
    await this.options.audit.security.record({ action: 'security.replay', source: 'slack', reason: 'same_signed_request', target: req.path });
    return true;
  }

  private async refuseSignature(req: HttpRequest, reason: string): Promise<HttpResponse> {
    this.options.log.warn({ reason, path: req.path, bytes: req.body.length }, 'Slack request refused: signature check failed');
    await this.options.audit.security.record({ action: 'security.bad_signature', source: 'slack', reason: `slack.${reason}`, target: req.path });
    return text(401, 'slack.bad_signature', 'The request is not signed by Slack (or its timestamp is outside the 5-minute window).');
  }

  /** Runs Bolt; the first ack() (or the end of processing, or the deadline) is the HTTP answer. */
  private process(req: HttpRequest, body: SlackBody): Promise<HttpResponse> {
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
        .finally(() => {
          answer({ status: 200 });
          this.inflight.delete(work);
        });
      this.inflight.add(work);
    });
  }
}

/** Bolt's ack argument → the HTTP answer: nothing → empty 200; a string → text; an object → JSON. */
export function ackResponse(response: unknown): HttpResponse {
  if (response === undefined || response === null || response === '') return { status: 200 };
  if (typeof response === 'string') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: response };
  return { status: 200, body: response as Record<string, unknown> };
}
