// Void's Prometheus metrics (prom-client): one registry per process, and small recording functions that the core
// (HTTP server, dispatcher, worker, audit trail) and the modules (adapters, approvals, model router) call.
// Labels are bounded sets (route patterns, platforms, kinds, outcomes), never ids or free text.
// The API is documented in docs/operations.md "Metrics for module authors".
import { Counter, Gauge, Histogram, register, collectDefaultMetrics, type Metric } from 'prom-client';
import { installMetrics, type JobOutcome, type ModelCall, type QueueCounter } from './core/metrics.js';

export type { JobOutcome, ModelCall, QueueCounter } from './core/metrics.js';

/**
 * prom-client's default registry: metrics a module defines there are served on /metrics too. Every metric is created
 * only if absent, so the load order of modules does not matter.
 */
export const registry = register;
try {
  collectDefaultMetrics({ register: registry, prefix: 'void_' });
} catch {
  // already collected by another copy of this module in the process
}

const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10];
const JOB_BUCKETS = [0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const AUDIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const MODEL_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60];

function once<T extends Metric<string>>(name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return once(name, () => new Counter<L>({ name, help, labelNames }));
}
function histogram<L extends string>(
  name: string,
  help: string,
  buckets: number[],
  labelNames: readonly L[] = [],
): Histogram<L> {
  return once(name, () => new Histogram<L>({ name, help, labelNames, buckets }));
}

const httpRequests = counter(
  'void_inbound_requests_total',
  'Inbound HTTP requests by platform, route pattern and outcome',
  ['platform', 'route', 'outcome'],
);
const ackLatency = histogram(
  'void_ack_latency_seconds',
  'Time from request received to response sent (the platform ack), by platform and route',
  LATENCY_BUCKETS,
  ['platform', 'route'],
);
const commands = counter('void_commands_total', 'Commands handed to the dispatcher by platform and outcome', [
  'platform',
  'outcome',
]);
const dispatchLatency = histogram(
  'void_dispatch_duration_seconds',
  'Dispatcher time per command (identity, de-duplication, audit, limits, runner)',
  LATENCY_BUCKETS,
  ['platform'],
);
const jobs = counter(
  'void_jobs_total',
  'Job attempts by kind and outcome (completed, failed, retried, refused, deferred, returned)',
  ['kind', 'outcome'],
);
const jobDuration = histogram('void_job_duration_seconds', 'Job attempt duration by kind and outcome', JOB_BUCKETS, [
  'kind',
  'outcome',
]);
const approvals = counter(
  'void_approvals_total',
  'Approval requests entering a state (pending, approved, rejected, expired, cancelled, voided) ' +
    'and refused decision attempts (denied), from the audit trail',
  ['state'],
);
const auditAppend = histogram(
  'void_audit_append_seconds',
  'Audit trail append latency (including sequence conflict retries)',
  AUDIT_BUCKETS,
);
const auditFailures = counter(
  'void_audit_append_failures_total',
  'Audit appends that failed (the action did not happen)',
);
// The model metrics: recorded by the model router (agents/llm/router.ts) through recordModelCall/recordModelFallback.
const modelCalls = counter('void_model_calls_total', 'Model calls by provider, model, task and outcome', [
  'provider',
  'model',
  'task',
  'outcome',
]);
const modelLatency = histogram('void_model_call_seconds', 'Model call latency', MODEL_BUCKETS, ['provider', 'model']);
const modelTokens = counter('void_model_tokens_total', 'Model tokens by provider, model and direction', [
  'provider',
  'model',
  'direction',
]);
const modelCost = counter('void_model_cost_usd_total', 'Model cost in US dollars by provider and model', [
  'provider',
  'model',
]);
const modelFallbacks = counter(
  'void_model_fallbacks_total',
  'Times the model router moved on to the next model, by the provider that failed and why',
  ['provider', 'reason'],
);
const outbound = counter(
  'void_outbound_requests_total',
  'Outbound platform API calls by platform and outcome (ok, rate_limited, client_error, server_error, network_error)',
  ['platform', 'outcome'],
);
const outboundLimited = counter(
  'void_outbound_rate_limited_total',
  'Outbound platform API calls answered 429 (or a secondary rate limit)',
  ['platform'],
);
const credentialFailures = counter(
  'void_platform_credential_failures_total',
  'Times Void could not get a token for calling a platform (Teams: the app password was refused, ' +
    'or the login host did not answer): replies there are lost until it is fixed',
  ['platform', 'reason'],
);
const outboundLatency = histogram(
  'void_outbound_request_duration_seconds',
  'Outbound platform API call latency',
  LATENCY_BUCKETS,
  ['platform'],
);

const watchedQueues = new Set<QueueCounter>();
once(
  'void_queue_depth',
  () =>
    new Gauge({
      name: 'void_queue_depth',
      help:
        'Jobs in the queue by state (waiting, active, delayed, prioritized, failed), read from Redis at scrape ' +
        'time',
      labelNames: ['queue', 'state'] as const,
      async collect() {
        this.reset();
        for (const queue of watchedQueues) {
          const counts = await queue.counts().catch(() => undefined);
          for (const [state, n] of Object.entries(counts ?? {})) this.set({ queue: queue.name, state }, n);
        }
      },
    }),
);

/** Reports the queue's depth at each scrape; returns the function that stops it. */
export function watchQueue(queue: QueueCounter): () => void {
  watchedQueues.add(queue);
  return () => watchedQueues.delete(queue);
}

const PLATFORM_SEGMENTS: Readonly<Record<string, string>> = {
  slack: 'slack',
  teams: 'teams',
  github: 'github',
  jira: 'jira',
  console: 'console',
};

/** The platform of a route pattern by its first segment (`/slack/events` → slack); `http` for Void's own routes. */
export function platformOfRoute(route: string): string {
  if (route === '/api/messages') return 'teams'; // the Bot Framework's conventional endpoint
  return PLATFORM_SEGMENTS[route.split('/').filter(Boolean)[0] ?? ''] ?? 'http';
}

export function outcomeOfStatus(status: number): string {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'unauthenticated';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'bad_request' : 'error';
}

/** Core: one inbound HTTP request answered. `route` is the pattern (`/slack/events`), or `unmatched`. */
export function recordHttpRequest(
  route: string,
  status: number,
  seconds: number,
  platform = platformOfRoute(route),
): void {
  httpRequests.inc({ platform, route, outcome: outcomeOfStatus(status) });
  ackLatency.observe({ platform, route }, seconds);
}

export type CommandOutcome = 'accepted' | 'duplicate' | 'refused' | 'usage' | 'error';

/** Core: one command through the dispatcher. */
export function recordCommand(platform: string, outcome: CommandOutcome, seconds: number): void {
  commands.inc({ platform, outcome });
  dispatchLatency.observe({ platform }, seconds);
}

/** Core: one job attempt ended. */
export function recordJob(kind: string, outcome: JobOutcome, seconds: number): void {
  jobs.inc({ kind, outcome });
  jobDuration.observe({ kind, outcome }, seconds);
}

/** What the audit trail tells the metrics about an appended event (structurally an AuditEventInput). */
export interface AuditedEvent {
  readonly action: string;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** Core: one audit append, successful or not. Approval transitions are counted from the audited events. */
export function recordAuditAppend(seconds: number, ok: boolean, event?: AuditedEvent): void {
  auditAppend.observe(seconds);
  if (!ok) auditFailures.inc();
  const state = ok && event ? approvalStateOf(event) : undefined;
  if (state) approvals.inc({ state });
}

/**
 * The approval state an audited event records: requested → pending; decided → the request's new state when the
 * decision settled it (a vote towards a quorum is not a transition); expired, voided, cancelled; denied → a refused
 * decision attempt (self-approval, missing role, …).
 */
export function approvalStateOf(event: AuditedEvent): string | undefined {
  const details = event.details ?? {};
  switch (event.action) {
    case 'approval.requested':
      return 'pending';
    case 'approval.decided':
      return details.state === 'approved' || details.state === 'rejected' ? details.state : undefined;
    case 'approval.expired':
      return 'expired';
    case 'approval.voided':
      return 'voided';
    case 'approval.cancelled':
      return details.approvalId ? 'cancelled' : undefined;
    case 'approval.denied':
      return 'denied';
    default:
      return undefined;
  }
}

/** Model router: one call to one model (each fallback step is its own call). */
export function recordModelCall(call: ModelCall): void {
  const labels = { provider: call.provider, model: call.model };
  modelCalls.inc({ ...labels, task: call.task ?? 'other', outcome: call.outcome });
  if (call.seconds !== undefined) modelLatency.observe(labels, call.seconds);
  if (call.inputTokens) modelTokens.inc({ ...labels, direction: 'input' }, call.inputTokens);
  if (call.outputTokens) modelTokens.inc({ ...labels, direction: 'output' }, call.outputTokens);
  if (call.costUsd) modelCost.inc(labels, call.costUsd);
}

/** Model router: moved on from `provider` to the next model because of `reason` (rate_limited, timeout, …). */
export function recordModelFallback(provider: string, reason: string): void {
  modelFallbacks.inc({ provider, reason });
}

/** Adapters' clients: one outbound platform API call answered with `status` (0 = no answer: network error). */
export function recordOutboundCall(
  platform: string,
  status: number,
  seconds?: number,
  rateLimited = status === 429,
): void {
  const outcome =
    status === 0
      ? 'network_error'
      : rateLimited
        ? 'rate_limited'
        : status < 400
          ? 'ok'
          : status < 500
            ? 'client_error'
            : 'server_error';
  outbound.inc({ platform, outcome });
  if (rateLimited) outboundLimited.inc({ platform });
  if (seconds !== undefined) outboundLatency.observe({ platform }, seconds);
}

/** A platform credential failed: `reason` is rejected (wrong password/secret), unreachable or bad_response. */
export function recordCredentialFailure(platform: string, reason: string): void {
  credentialFailures.inc({ platform, reason });
}

/** The exposition text and its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

// The lower layers (queue, workers, model router, notifier) record through the kernel's hook (bot/core/metrics.ts).
installMetrics({ recordJob, recordModelCall, recordModelFallback, watchQueue });
