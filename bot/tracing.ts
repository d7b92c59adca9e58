// OpenTelemetry tracing: off by default; on when an OTLP endpoint is configured through the standard OTEL_*
// variables. Spans run from the inbound request (HTTP server) through the dispatcher, into the job (the W3C trace
// context travels in the BullMQ job data, `trace`), to the outbound calls that adapters wrap with `withSpan`.
// With tracing off, @opentelemetry/api is a no-op: every helper here costs next to nothing.
import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Env } from './config/env.js';
import type { Logger } from './logger.js';

export { SpanKind } from '@opentelemetry/api';

/** The W3C trace context as carried in job data and HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

export interface TracingHandle {
  readonly enabled: boolean;
  /** Exports what is buffered (used at shutdown and by tests). */
  flush(): Promise<void>;
}

const OFF: TracingHandle = { enabled: false, flush: async () => undefined };
let active: TracingHandle | undefined;

/** Whether the environment asks for traces: an OTLP endpoint is set, the SDK is not disabled, the exporter is otlp. */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER ?? 'otlp';
  if (exporter !== 'otlp') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** `k1=v1,k2=v2` (OTEL_EXPORTER_OTLP_HEADERS) → a header object; values are URL-decoded as the spec says. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    try {
      headers[key] = decodeURIComponent(raw);
    } catch {
      headers[key] = raw;
    }
  }
  return headers;
}

/** The traces URL: the per-signal endpoint as given, or the base endpoint + `/v1/traces` (OTLP/HTTP spec). */
export function tracesUrl(env: Env): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

/** Starts the tracer provider once per process when the environment asks for it. */
export async function initTracing(env: Env, log: Logger, role: string): Promise<TracingHandle> {
  if (active) return active;
  if (!tracingRequested(env)) {
    active = OFF;
    return OFF;
  }
  const [{ NodeTracerProvider }, base, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: tracesUrl(env), headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'void', 'void.role': role }),
    sampler: samplerFor(env, base),
    spanProcessors: [new base.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  log.info({ endpoint: tracesUrl(env), sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on' }, 'OpenTelemetry tracing on');
  active = {
    enabled: true,
    flush: () => provider.forceFlush(),
  };
  return active;
}

type SamplerModule = typeof import('@opentelemetry/sdk-trace-base');

function samplerFor(env: Env, base: SamplerModule): import('@opentelemetry/sdk-trace-base').Sampler {
  const ratio = new base.TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on') {
    case 'always_on':
      return new base.AlwaysOnSampler();
    case 'always_off':
      return new base.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new base.ParentBasedSampler({ root: new base.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new base.ParentBasedSampler({ root: ratio });
    default:
      return new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() });
  }
}

/** Exports the spans buffered so far (no-op when tracing is off). */
export async function flushTracing(): Promise<void> {
  await active?.flush();
}

const tracer = () => trace.getTracer('void');

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent context (from an HTTP request or job data); default: the active context. */
  readonly parent?: Context;
}

/** Runs `fn` inside a new active span; records a thrown error on it and rethrows. Adapters wrap outbound calls. */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts (without activating) a CLIENT span under the active context: for outbound calls observed from outside. */
export function startClientSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active());
}

/** Ends a span started by startClientSpan with the HTTP status it got (0: no answer). */
export function endClientSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status === 0 || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The active trace context, ready to store in job data (undefined when tracing is off or no span is active). */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a carrier (job data, HTTP headers) describes; the active context when there is none. */
export function contextFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  if (!carrier) return context.active();
  return propagation.extract(context.active(), carrier, {
    keys: (c) => Object.keys(c),
    get: (c, key) => {
      const value = c[key];
      return typeof value === 'string' ? value : Array.isArray(value) ? (value as string[]) : undefined;
    },
  });
}
