// The HTTP contract every module's routes use: the request a handler gets, the response it returns, and the
// registrar a module adds its routes to. The server that implements it is the application's (bot/http/server.ts).
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from './logger.js';

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Every value of every header as sent (Node joins or drops repeats in `headers`): the inbound header policy. */
  readonly headersDistinct?: NodeJS.Dict<string[]>;
  /** The headers as sent, name and value alternating (Node's `rawHeaders`): the same policy without building
   *  `headersDistinct` (several microseconds a request). */
  readonly rawHeaders?: readonly string[];
  /** The raw bytes of the body, exactly as received. */
  readonly body: Buffer;
  /** Values of `:name` segments of the route pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly log: Logger;
  /** Aborted when the client goes away or the server starts closing: long responses (event streams) stop then. */
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON; async iterables are streamed (exports). */
  readonly body?: string | Buffer | Record<string, unknown> | unknown[] | AsyncIterable<string | Buffer>;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

export interface RouteOptions {
  /** The body limit of this route (default: the server's). */
  readonly maxBytes?: number;
  /** The platform label of the route's metrics (default: from the first path segment). */
  readonly platform?: string;
}

/** Where a module adds its routes (the web role's HTTP server). */
export interface RouteRegistrar {
  route(method: string, pattern: string, handler: Handler, options?: RouteOptions): unknown;
}

export const json = (
  status: number,
  body: Record<string, unknown> | unknown[],
  headers?: Record<string, string>,
): HttpResponse => ({
  status,
  body,
  headers: headers ?? {},
});
