// Void's own HTTP server (node:http, no framework): routes get the raw body bytes, so that every adapter can verify
// a platform signature over exactly what was sent before anything parses it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditUnavailableError, QueueUnavailableError } from '../core/errors.js';
import { platformOfRoute, recordHttpRequest } from '../metrics.js';
import { SpanKind, contextFrom, tracingOff, withSpan } from '../tracing.js';
import type { Logger } from '../logger.js';
import { json, type Handler, type HttpRequest, type RouteOptions, type RouteRegistrar } from '../core/http.js';

export { json, type Handler, type HttpRequest, type HttpResponse } from '../core/http.js';
import type { InboundEndpoint, InboundRequest } from '../core/inbound.js';
import { AfterAck, inboundHandler } from './inbound.js';
import { readBody, send } from './wire.js';

export type { InboundRequest } from '../core/inbound.js';

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: Handler;
  readonly maxBytes?: number;
  /** The pattern as registered (`/slack/events`): the metrics and span label. */
  readonly pattern: string;
  /** The platform label of the route's metrics (default: from the first path segment), worked out once. */
  readonly platform: string;
}

export interface HttpServerOptions {
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Whole-request deadline: a client that sends one byte a second is cut off. */
  readonly requestTimeoutMs?: number;
}

export class HttpServer implements RouteRegistrar {
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private closing = false;
  /** Aborted by close(): tells long-lived responses (event streams) to end so that the server can stop. */
  private readonly closed = new AbortController();

  constructor(private readonly options: HttpServerOptions) {}

  route(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const route: Route = {
      method: method.toUpperCase(),
      segments: pattern.split('/').filter(Boolean),
      handler,
      pattern,
      platform: options.platform ?? platformOfRoute(pattern),
    };
    this.routes.push(options.maxBytes ? { ...route, maxBytes: options.maxBytes } : route);
    return this;
  }

  /** A platform receiver: the adapter run through the one inbound pipeline (inbound.ts). */
  inbound<C, E>(
    pattern: string,
    endpoint: InboundEndpoint<C, E, InboundRequest>,
    options: { maxBytes?: number; platform?: string; after?: AfterAck } = {},
  ): this {
    const { after, ...route } = options;
    return this.route('POST', pattern, inboundHandler<C, E, HttpRequest>(endpoint, after), route);
  }

  async listen(port: number, host: string): Promise<number> {
    const requestTimeout = this.options.requestTimeoutMs ?? 15_000;
    // Node checks the deadlines every connectionsCheckingInterval (30 s by default): check often enough that a
    // trickling client is cut off close to the deadline, not up to 30 s after it.
    const timeouts = {
      requestTimeout,
      headersTimeout: Math.min(10_000, requestTimeout),
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))),
    };
    const server = createServer(timeouts, (req, res) => void this.handle(req, res, performance.now()));
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops accepting connections; in-flight requests finish (bounded by the request timeout). */
  async close(): Promise<void> {
    this.closing = true;
    this.closed.abort();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = route.segments.length === parts.length ? paramsOf(route.segments, parts) : undefined;
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    }
    return pathMatched ? 'method' : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    const log = this.options.log;
    const url = target(req.url);
    const found = url && !this.closing ? this.match(req.method ?? 'GET', url.pathname) : undefined;
    // The metrics of the answer, under the route that answers it (`unmatched` for anything refused before a route).
    const route = typeof found === 'object' ? found.route : undefined;
    res.on('finish', () =>
      recordHttpRequest(
        route?.pattern ?? 'unmatched',
        res.statusCode,
        (performance.now() - started) / 1000,
        route?.platform,
      ),
    );
    if (!url) return send(res, json(400, { error: 'http.bad_url', message: 'The request URL is malformed.' }));
    if (this.closing)
      return send(
        res,
        json(
          503,
          { error: 'http.shutting_down', message: 'Void is shutting down; retry shortly.' },
          { connection: 'close' },
        ),
      );
    if (found === undefined)
      return send(res, json(404, { error: 'http.not_found', message: `No route for ${url.pathname}.` }), req);
    if (found === 'method')
      return send(
        res,
        json(405, { error: 'http.method_not_allowed', message: `${req.method} is not allowed here.` }),
        req,
      );
    const limit = found.route.maxBytes ?? this.options.maxBodyBytes;
    const body = await readBody(req, limit);
    if (body === 'too_large')
      return send(
        res,
        json(
          413,
          { error: 'http.too_large', message: `The body is larger than ${limit} bytes.` },
          { connection: 'close' },
        ),
        req,
      );
    if (body === 'aborted') return;
    const request: HttpRequest = new ServerRequest(req, url, body, found.params, log, res, this.closed.signal);
    try {
      // Tracing off: the handler is called as it is (no span options, no context extracted from the headers).
      if (tracingOff()) return send(res, await found.route.handler(request), req);
      const span = {
        kind: SpanKind.SERVER,
        parent: contextFrom(req.headers),
        attributes: { 'http.request.method': request.method, 'http.route': found.route.pattern },
      };
      send(
        res,
        await withSpan(`${request.method} ${found.route.pattern}`, span, () =>
          Promise.resolve(found.route.handler(request)),
        ),
        req,
      );
    } catch (error) {
      if (error instanceof QueueUnavailableError || error instanceof AuditUnavailableError) {
        log.error({ err: error, path: url.pathname }, 'dependency unavailable; answered 503');
        return send(res, json(503, { error: error.code, message: error.message }, { 'retry-after': '5' }), req);
      }
      log.error({ err: error, path: url.pathname }, 'unhandled error in route');
      send(res, json(500, { error: 'http.internal', message: 'Void hit an internal error; it has been logged.' }), req);
    }
  }
}

/** The parameters of a path whose parts match a route's segments (as many), or undefined when it does not match. A
 *  route without parameters shares one empty object. */
function paramsOf(segments: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  let params: Record<string, string> | undefined;
  for (let i = 0; i < segments.length; i += 1) {
    const seg = segments[i] as string;
    const part = parts[i] as string;
    if (!seg.startsWith(':')) {
      if (seg !== part) return undefined;
      continue;
    }
    try {
      (params ??= {})[seg.slice(1)] = decodeURIComponent(part);
    } catch {
      return undefined;
    }
  }
  return params ?? NO_PARAMS;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** A request target's path and query. */
interface Target {
  readonly pathname: string;
  readonly search: string;
}

/** A plain path (letters, digits, `/`, `-`, `_`; no leading `//`, dot segment, escape or query) is its own pathname:
 *  what `new URL` would give, without building one per request (about 2 µs). Anything else goes through URL;
 *  undefined: malformed. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_\-/]*$/;
function target(raw: string | undefined): Target | undefined {
  if (raw && PLAIN_PATH.test(raw)) return { pathname: raw, search: '' };
  try {
    return new URL(raw ?? '/', 'http://void.local');
  } catch {
    return undefined;
  }
}

/**
 * The request a route gets. Its `signal`, aborted when the client goes away or the server closes, is made only when a
 * handler reads it (event streams do; chat and webhook routes never). Each AbortSignal.any() leaves a WeakRef in the
 * server's long-lived signal that Node 20 never removes (about 60 bytes a request for the life of the process),
 * besides a composite signal and a close listener per request. A getter of the class, not an own property: a copy of
 * the request (`{ ...req }`) does not make it, and the object keeps a fixed shape (a property defined on each
 * request made every request a slow dictionary object).
 */
class ServerRequest implements HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly params: Readonly<Record<string, string>>;
  readonly log: Logger;
  readonly #res: ServerResponse;
  readonly #closed: AbortSignal;
  #signal: AbortSignal | undefined;
  readonly #search: string;
  #query: URLSearchParams | undefined;

  constructor(
    req: IncomingMessage,
    url: Target,
    body: Buffer,
    params: Readonly<Record<string, string>>,
    log: Logger,
    res: ServerResponse,
    closed: AbortSignal,
  ) {
    this.method = req.method ?? 'GET';
    this.path = url.pathname;
    this.#search = url.search;
    this.headers = req.headers;
    this.rawHeaders = req.rawHeaders;
    this.body = body;
    this.params = params;
    this.log = log;
    this.#res = res;
    this.#closed = closed;
  }

  /** One value of a header (undefined when absent or a list): the inbound pipeline's `header()`. */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? undefined : value;
  }

  /** Parsed when a handler reads it (webhook routes never do). */
  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.#search);
    return this.#query;
  }

  get signal(): AbortSignal {
    if (!this.#signal) {
      const gone = new AbortController();
      if (this.#res.closed) gone.abort();
      else this.#res.once('close', () => gone.abort());
      this.#signal = AbortSignal.any([gone.signal, this.#closed]);
    }
    return this.#signal;
  }
}
