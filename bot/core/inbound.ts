// The contract between Void's one inbound pipeline (bot/http/inbound.ts) and the platform adapters (Slack, Teams,
// GitHub, JIRA). It lives in the kernel so that integrations/ can implement it without importing bot/: an adapter
// supplies a pure `verify` (raw bytes + single-valued headers → one Verdict type), a pure `map` (parsed body → an
// event, or an answer) and `deliver` (hand the event on); the kit owns everything else, the same for every platform:
// the header policy, safe parsing, the 401 refusal and its security record, replay/duplicate claims and the work
// that goes on after the answer. (octokit/webhooks.js's middleware likewise takes three small functions.)

/**
 * The one signature verdict every platform's pure verify function returns: the credential, or a refusal of the
 * catalogue (`slack.bad_signature`, `teams.expired_token`, …: its code and text are the HTTP answer, its status 401
 * unless the request could not be checked at all: 503, keys unavailable, nothing recorded then). The refusal's
 * details carry the short reason counted on the security trail (`mismatch`, `missing`, `slack.stale_timestamp`, …).
 */
export type Verdict<C> = Outcome<C>;

/** A verdict's refusal, with the reason its security record counts (the code itself when none is given). */
export const unverified = (refusal: Refusal, reason: string = refusal.code): Refused => ({
  ok: false,
  refusal: withDetails(refusal, { reason }),
});

/** The reason a refused verdict is counted under on the security trail. */
export const reasonOf = (refusal: Refusal): string =>
  typeof refusal.details?.reason === 'string' ? refusal.details.reason : refusal.code;

/** What a verify function sees: the raw bytes, and each header as one value. */
import type { HttpRequest } from './http.js';
import { withDetails, type Outcome, type Refusal, type Refused } from './outcome.js';

/** What a platform adapter's functions get: the request, with one value per header (bot/http/inbound.ts). */
export type InboundRequest = HttpRequest & SignedRequest;

export interface SignedRequest {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** One value per header: a header named by the adapter's `authHeaders` and sent twice never reaches verify. */
  header(name: string): string | undefined;
  readonly body: Buffer;
}

/** An answer of the pipeline (the same shape as the HTTP server's response). */
export interface InboundAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | Record<string, unknown> | unknown[] | AsyncIterable<string | Buffer>;
}

/** A security event for the system trail (audit/security.ts aggregates them per source and minute). */
export interface SecurityRecord {
  readonly action: `security.${string}`;
  readonly source: 'slack' | 'teams' | 'github' | 'jira';
  readonly reason: string;
  readonly target?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface SecuritySink {
  record(event: SecurityRecord): Promise<void>;
}

/** Durable claims (bot/idempotency.ts implements it on Redis). */
export interface ClaimLedger {
  claim(platform: string, deliveryId: string): Promise<'first' | 'duplicate'>;
  done(platform: string, deliveryId: string): Promise<void>;
  release(platform: string, deliveryId: string): Promise<void>;
  claimBody(
    platform: string,
    signed: Buffer | string,
    deliveryId: string,
    ttlSeconds?: number,
  ): Promise<'new' | 'redelivery' | 'replay'>;
}

/** How a delivery is claimed: the signed bytes once (replay), and, when `exclusive`, the delivery id once. */
export interface DeliveryClaim {
  /** The ledger's namespace (`github-webhook`, `jira`, `slack`). */
  readonly scope: string;
  readonly id: string;
  /** The exact signed bytes (default: the body); Slack signs `v0:<timestamp>:<body>`. */
  readonly signed?: Buffer;
  readonly ttlSeconds?: number;
  /** Claim the delivery id too: a redelivery is answered `duplicate`, and the claim is released on failure. */
  readonly exclusive?: boolean;
  /** Reason, target and details of the replay's security record. */
  readonly reason: string;
  readonly target: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** The answer to a replay (default `200 {ok: true, ignored: "replay"}`; Slack shows a slash command's answer, so
   *  it answers an empty 200). */
  readonly replayAnswer?: InboundAnswer;
}

/** What map returns: an answer now (ping, ignored, malformed, stale — with its security record, if any), or an
 *  event to claim and deliver. */
export type Mapped<E> =
  | { readonly answer: InboundAnswer; readonly security?: SecurityRecord }
  | { readonly event: E; readonly claim?: DeliveryClaim };

/** What deliver gets besides the event. */
export interface DeliveryContext {
  /** Work that goes on after the answer: tracked, so that shutdown and tests can wait for it. */
  afterAck(work: Promise<unknown>): void;
}

/** `R` is the request the HTTP server hands over (with its logger), plus `header()`. */
export interface InboundAdapter<C, E, R extends SignedRequest = SignedRequest> {
  readonly platform: SecurityRecord['source'];
  /** Authentication, signature and delivery headers: any of them sent more than once is refused with 401. */
  readonly authHeaders: readonly string[];
  /** `json`: a JSON object; `form-or-json`: by Content-Type, a form whose `payload` field holds JSON (Slack). */
  readonly body: 'json' | 'form-or-json';
  /** The error code of the 400 for a body that does not parse (`github.bad_json`, `slack.bad_body`, …). */
  readonly badBody: string;
  /** Target (and details) of the bad-signature security record. */
  readonly target: (req: R, reason: string) => { target: string; details?: Readonly<Record<string, unknown>> };
  /** Pure, with an injected clock at most; may be async (Teams fetches signing keys). Never throws for bad input. */
  verify(req: R): Verdict<C> | Promise<Verdict<C>>;
  /** Pure: the parsed body and the verified credential → an event or an answer. `now` is milliseconds. */
  map(body: Record<string, unknown>, req: R, credential: C, now: number): Mapped<E>;
  /** Optional gate before the claims (tenant/site checks that record on the audit trail, queue readiness). */
  admit?(event: E, credential: C, req: R): Promise<InboundAnswer | undefined>;
  /** Hands the event on (dispatcher, Bolt, bot turn); its answer is the HTTP answer. */
  deliver(event: E, credential: C, req: R, ctx: DeliveryContext): Promise<InboundAnswer>;
}

/** An adapter with what the pipeline needs to run it: where security events go, and the claim ledger. */
export interface InboundEndpoint<C, E, R extends SignedRequest = SignedRequest> {
  readonly adapter: InboundAdapter<C, E, R>;
  readonly security: SecuritySink;
  readonly ledger?: ClaimLedger | undefined;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}
