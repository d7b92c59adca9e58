// The inbound pipeline kit: every platform receiver (Slack, Teams, GitHub, JIRA) is this one pipeline with only its
// own verify/map/deliver functions (bot/core/inbound.ts), so that the rules are the same everywhere (ARCHITECTURE.md):
//   limits   the body limit and request deadline of the HTTP server (route maxBytes, requestTimeoutMs);
//   headers  an authentication, signature or delivery header sent more than once → 401, recorded;
//   verify   over the raw bytes before anything parses them; a failure → 401, recorded on the security trail;
//   parse    one safe parser: JSON objects with bounded depth, no __proto__/constructor/prototype keys → else 400;
//   map      → an answer now, or an event;
//   claim    the signed bytes once (a replay → 200 ignored, recorded), the delivery id once where asked;
//   deliver  hand the event on; work after the answer is tracked (settled() waits for it).
import {
  reasonOf,
  unverified,
  type DeliveryContext,
  type InboundAnswer,
  type InboundEndpoint,
  type SignedRequest,
} from '../core/inbound.js';
import { refuse } from '../core/outcome.js';
import { parseFormOrJson, parseJsonObject } from './parse.js';
import type { IncomingHttpHeaders } from 'node:http';

/** What the kit needs of the HTTP server's request (server.ts's HttpRequest; not imported, so no cycle). */
export interface RawRequest {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly headersDistinct?: NodeJS.Dict<string[]>;
  readonly rawHeaders?: readonly string[];
  readonly body: Buffer;
  readonly log: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

/** Work started by a request that goes on after its answer. */
export class AfterAck {
  private readonly pending = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when every tracked piece of work has finished (including work started meanwhile). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

const json = (status: number, body: Record<string, unknown>): InboundAnswer => ({ status, body });

/** The header policy: the first of `names` (lower case, at most 31) that was sent more than once, if any. */
export function repeatedHeader(req: RawRequest, names: readonly string[]): string | undefined {
  const raw = req.rawHeaders;
  if (!raw)
    return names.find((name) => {
      const values = req.headersDistinct?.[name] ?? req.headers[name];
      return Array.isArray(values) && values.length > 1;
    });
  let seen = 0;
  let repeated = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const index = names.indexOf((raw[i] as string).toLowerCase());
    if (index < 0) continue;
    const bit = 1 << index;
    if (seen & bit) repeated |= bit;
    seen |= bit;
  }
  return repeated ? names.find((_name, index) => repeated & (1 << index)) : undefined;
}

/** The request with `header()`, added to it rather than copied: a copy of the request (`{ ...req, header }`) costs
 *  several microseconds a request on Node 20. */
function withHeader<Q extends RawRequest>(req: Q): Q & SignedRequest {
  // Void's own server's requests have the method already (bot/http/server.ts): nothing is made per request.
  if (typeof (req as Partial<SignedRequest>).header === 'function') return req as Q & SignedRequest;
  const header = (name: string): string | undefined => {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? undefined : value;
  };
  return Object.assign(req, { header });
}

/** The route handler running an adapter through the pipeline. */
export function inboundHandler<C, E, Q extends RawRequest>(
  endpoint: InboundEndpoint<C, E, Q & SignedRequest>,
  after = new AfterAck(),
): (req: Q) => Promise<InboundAnswer> {
  const { adapter, security, ledger } = endpoint;
  const now = endpoint.now ?? Date.now;
  const source = adapter.platform;
  const ctx: DeliveryContext = { afterAck: (work) => after.track(work) };
  return async (raw) => {
    const req = withHeader(raw);
    const repeated = repeatedHeader(raw, adapter.authHeaders);
    const checked = repeated
      ? unverified(refuse(`${source}.repeated_header` as const, { header: repeated }), 'repeated_header')
      : adapter.verify(req);
    // A verify that answers at once (GitHub, JIRA, Slack) is not awaited: no turn of the microtask queue for it.
    const verdict = checked instanceof Promise ? await checked : checked;
    if (!verdict.ok) {
      const { refusal } = verdict;
      if (refusal.status === 503)
        return {
          status: 503,
          headers: { 'retry-after': '5' },
          body: { error: refusal.code, message: refusal.message },
        };
      const reason = reasonOf(refusal);
      req.log.warn(
        { platform: source, reason, path: req.path, bytes: req.body.length },
        `${source} request refused: authentication failed`,
      );
      const where = adapter.target(req, reason);
      await security.record({
        action: 'security.bad_signature',
        source,
        reason,
        target: where.target,
        ...(where.details ? { details: where.details } : {}),
      });
      return json(401, { error: refusal.code, message: refusal.message });
    }
    const parsed =
      adapter.body === 'json'
        ? parseJsonObject(req.body.toString('utf8'))
        : parseFormOrJson(req.body, req.header('content-type'));
    if (!parsed.ok) return json(400, { error: adapter.badBody, message: parsed.refusal.message });
    const mapped = adapter.map(parsed.value, req, verdict.value, now());
    if ('answer' in mapped) {
      if (mapped.security) await security.record(mapped.security);
      return mapped.answer;
    }
    const gate = adapter.admit ? await adapter.admit(mapped.event, verdict.value, req) : undefined;
    if (gate) return gate;
    const claim = mapped.claim;
    if (claim && ledger) {
      const signed = claim.signed ?? req.body;
      if ((await ledger.claimBody(claim.scope, signed, claim.id, claim.ttlSeconds)) === 'replay') {
        req.log.warn(
          { platform: source, deliveryId: claim.id },
          `${source} request already received (the same signed bytes): replay ignored`,
        );
        await security.record({
          action: 'security.replay',
          source,
          reason: claim.reason,
          target: claim.target,
          ...(claim.details ? { details: claim.details } : {}),
        });
        return claim.replayAnswer ?? json(200, { ok: true, ignored: 'replay' });
      }
      if (claim.exclusive && (await ledger.claim(claim.scope, claim.id)) === 'duplicate') {
        req.log.debug({ platform: source, deliveryId: claim.id }, `${source} redelivery ignored`);
        return json(200, { ok: true, duplicate: true });
      }
    }
    if (!claim?.exclusive || !ledger) return adapter.deliver(mapped.event, verdict.value, req, ctx);
    try {
      const result = await adapter.deliver(mapped.event, verdict.value, req, ctx);
      // Not awaited: a lost write lapses with the claim, and the job id still de-duplicates.
      ledger
        .done(claim.scope, claim.id)
        .catch((err: unknown) => req.log.warn({ err }, `could not mark the ${source} delivery done`));
      return result;
    } catch (error) {
      await ledger.release(claim.scope, claim.id).catch(() => undefined);
      throw error;
    }
  };
}
