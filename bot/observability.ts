// The observability module: GET /metrics (Bearer METRICS_TOKEN) on the web server, an optional separate metrics
// listener (METRICS_PORT: the worker role has no web server), queue depth at scrape time, OpenTelemetry tracing,
// and the start-up check that MongoDB is a replica set when several web replicas share it.
import { timingSafeEqual, createHash } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VoidError } from './core/errors.js';
import type { Env } from './config/env.js';
import { json, type HttpResponse } from './http/server.js';
import type { Logger } from './logger.js';
import { metricsText, recordOutboundCall, watchQueue } from './metrics.js';
import type { Config } from './config/load.js';
import type { ModuleContext, ModuleContribution, VoidModule } from './modules.js';
import { endClientSpan, initTracing, startClientSpan } from './tracing.js';
import type { Span } from '@opentelemetry/api';
import { mongoTopology, replicaSetAdvice } from './doctor-infra.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'waiting-children'] as const;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Constant-time check of `Authorization: Bearer <token>` (hashing first makes the lengths equal). */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(.+)$/i.exec(value?.trim() ?? '');
  if (!match?.[1]) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/** The answer to a scrape: 401 without the right token; 404 on the web port when no token is configured. */
export async function scrape(
  env: Env,
  authorization: string | string[] | undefined,
  onMetricsPort: boolean,
): Promise<HttpResponse> {
  const token = env.METRICS_TOKEN;
  if (!token && !onMetricsPort) {
    return json(404, {
      error: 'metrics.not_configured',
      message:
        'Metrics are not served here: set METRICS_TOKEN (Bearer) or METRICS_PORT (a loopback listener). ' +
        'See docs/operations.md.',
    });
  }
  if (token && !bearerMatches(authorization, token)) {
    return json(
      401,
      { error: 'metrics.unauthorized', message: 'Send "Authorization: Bearer <METRICS_TOKEN>".' },
      { 'www-authenticate': 'Bearer realm="void-metrics"' },
    );
  }
  const { contentType, body } = await metricsText();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}

/** Refuses a metrics listener on a non-loopback address without a token: it would publish internals openly. */
export function checkMetricsExposure(env: Env): void {
  if (env.METRICS_PORT !== undefined && !LOOPBACK.has(env.METRICS_HOST) && !env.METRICS_TOKEN) {
    throw new VoidError(
      'metrics.unprotected',
      `METRICS_HOST is ${env.METRICS_HOST} but METRICS_TOKEN is not set: set METRICS_TOKEN, ` +
        `or keep METRICS_HOST=127.0.0.1.`,
    );
  }
}

export class MetricsListener {
  private server: Server | undefined;
  port: number | undefined;

  constructor(
    private readonly env: Env,
    private readonly log: Logger,
  ) {}

  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.log.info({ port: this.port, host }, 'metrics listener started');
    return this.port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    let response: HttpResponse;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      response = json(405, { error: 'http.method_not_allowed', message: 'Only GET.' });
    else if (path === '/healthz') response = json(200, { status: 'ok' });
    else if (path === '/metrics')
      response = await scrape(this.env, req.headers.authorization, true).catch(() =>
        json(500, { error: 'metrics.failed', message: 'Collecting metrics failed.' }),
      );
    else response = json(404, { error: 'http.not_found', message: `No route for ${path}.` });
    const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
    res.writeHead(response.status, {
      'content-type': 'application/json; charset=utf-8',
      ...(response.headers ?? {}),
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

// ---- Outbound platform calls, counted at the process level (no adapter needs to call anything) ----

const KNOWN_HOSTS: Readonly<Record<string, string>> = {
  'slack.com': 'slack',
  'hooks.slack.com': 'slack',
  'api.github.com': 'github',
  'login.microsoftonline.com': 'teams',
  'smba.trafficmanager.net': 'teams',
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
};
const KNOWN_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['.slack.com', 'slack'],
  ['.botframework.com', 'teams'],
  ['.atlassian.net', 'jira'],
];
const configuredHosts = new Map<string, string>();

/** The platform an outbound request goes to, by `host[:port]`; undefined for hosts that are no platform's. */
export function platformOfHost(host: string): string | undefined {
  const bare = host.replace(/:(80|443)$/, '').toLowerCase();
  return (
    configuredHosts.get(bare) ?? KNOWN_HOSTS[bare] ?? KNOWN_SUFFIXES.find(([suffix]) => bare.endsWith(suffix))?.[1]
  );
}

/** Platform API URLs from the configuration (GitHub Enterprise, JIRA sites, test fakes) join the known hosts. */
export function registerPlatformHosts(config: Config): void {
  const env = config.env;
  const add = (url: string | undefined, platform: string) => {
    if (!url) return;
    try {
      configuredHosts.set(new URL(url).host.replace(/:(80|443)$/, '').toLowerCase(), platform);
    } catch {
      // not a URL: nothing to watch
    }
  };
  add(env.SLACK_API_URL, 'slack');
  add(env.GITHUB_API_URL, 'github');
  for (const tenant of config.tenants) add(tenant.bindings.jira?.siteUrl, 'jira');
}

type Started = { platform: string; started: number; span: Span };
let watching = false;

/**
 * Counts every HTTP request to a platform host, by status (429s apart), and gives it a CLIENT span,
 * through Node's diagnostics channels.
 */
export function watchOutboundHttp(): void {
  if (watching) return;
  watching = true;
  const pending = new WeakMap<object, Started>();
  const begin = (request: object, host: string | undefined, method: string | undefined) => {
    const platform = host ? platformOfHost(host) : undefined;
    if (!platform) return;
    const span = startClientSpan(`${method ?? 'HTTP'} ${platform}`, {
      'void.platform': platform,
      'server.address': host ?? '',
      'http.request.method': method ?? '',
    });
    pending.set(request, { platform, started: performance.now(), span });
  };
  const end = (request: object, status: number, header: (name: string) => string | undefined = () => undefined) => {
    const s = pending.get(request);
    if (!s) return;
    pending.delete(request);
    recordOutboundCall(s.platform, status, (performance.now() - s.started) / 1000, isRateLimitAnswer(status, header));
    endClientSpan(s.span, status);
  };
  // fetch (undici): Slack's WebClient, Octokit, the model SDKs.
  subscribe('undici:request:create', (m) => {
    const { request } = m as { request: { origin: string; method?: string } };
    begin(request, safeHost(request.origin), request.method);
  });
  subscribe('undici:request:headers', (m) => {
    const { request, response } = m as { request: object; response: { statusCode: number; headers: Buffer[] } };
    end(request, response.statusCode, (name) => undiciHeader(response.headers, name));
  });
  subscribe('undici:request:error', (m) => end((m as { request: object }).request, 0));
  // node:http clients (axios in jira.js, botbuilder).
  subscribe('http.client.request.start', (m) => {
    const { request } = m as { request: { getHeader(name: string): unknown; method?: string } };
    begin(request, String(request.getHeader('host') ?? ''), request.method);
  });
  subscribe('http.client.response.finish', (m) => {
    const { request, response } = m as {
      request: object;
      response: { statusCode?: number; headers?: Record<string, string | string[] | undefined> };
    };
    end(request, response.statusCode ?? 0, (name) => [response.headers?.[name]].flat()[0]);
  });
}

/**
 * A rate limit that is not a 429: GitHub answers a secondary (and a primary) limit with 403 and `retry-after` or
 * `x-ratelimit-remaining: 0`. Counting it lets the `VoidPlatformRateLimited` alert fire for GitHub too.
 */
export function isRateLimitAnswer(status: number, header: (name: string) => string | undefined): boolean {
  if (status === 429) return true;
  return status === 403 && (header('retry-after') !== undefined || header('x-ratelimit-remaining') === '0');
}

/** undici hands response headers over as [name, value, name, value …] buffers. */
function undiciHeader(headers: Buffer[] | undefined, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i + 1 < headers.length; i += 2)
    if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
  return undefined;
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

async function warnIfNotReplicaSet(ctx: ModuleContext): Promise<void> {
  const env = ctx.config.env;
  if (!env.MONGODB_URL) return;
  const topology = await mongoTopology(env.MONGODB_URL).catch(() => undefined);
  const advice = topology ? replicaSetAdvice(topology, env.VOID_WEB_REPLICAS) : undefined;
  if (advice?.level === 'warn') ctx.log.warn({ webReplicas: env.VOID_WEB_REPLICAS }, advice.message);
  else if (advice) ctx.log.info(advice.message);
}

export interface ObservabilityModule extends VoidModule {
  /** The METRICS_PORT listener's port once started (tests use METRICS_PORT=0). */
  readonly metricsPort: () => number | undefined;
}

export function observabilityModule(): ObservabilityModule {
  let listener: MetricsListener | undefined;
  return {
    name: 'observability',
    metricsPort: () => listener?.port,
    async setup(ctx: ModuleContext): Promise<ModuleContribution> {
      const env = ctx.config.env;
      checkMetricsExposure(env);
      const tracing = await initTracing(env, ctx.log, ctx.role);
      registerPlatformHosts(ctx.config);
      watchOutboundHttp();
      const unwatchJobs = watchQueue({
        name: ctx.queue.name,
        counts: () => ctx.queue.queue.getJobCounts(...QUEUE_STATES),
      });
      // The intake (requests acked and not yet handled; failed ones are kept): waiting, active, failed.
      const unwatchIntake = watchQueue({ name: ctx.intake.name, counts: () => ctx.intake.counts() });
      const unwatch = () => {
        unwatchJobs();
        unwatchIntake();
      };
      await warnIfNotReplicaSet(ctx);
      return {
        routes: (http) => {
          http.route('GET', '/metrics', (req) => scrape(env, req.headers.authorization, false));
        },
        start: async () => {
          if (env.METRICS_PORT === undefined) return;
          listener = new MetricsListener(env, ctx.log);
          await listener.listen(env.METRICS_PORT, env.METRICS_HOST);
        },
        close: async () => {
          unwatch();
          await listener?.close();
          await tracing.flush().catch(() => undefined);
        },
      };
    },
  };
}
