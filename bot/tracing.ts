// OpenTelemetry tracing: off by default; on when an OTLP endpoint is configured through the standard OTEL_*
// variables. Spans run from the inbound request (HTTP server) through the dispatcher, into the job (the W3C trace
// context travels in the BullMQ job data, `trace`), to the outbound calls that adapters wrap with `withSpan`.
// With tracing off, @opentelemetry/api is a no-op: every helper costs next to nothing. The span helpers live in
// the kernel (bot/core/trace.ts, re-exported here) so that every layer can use them; this file starts the SDK.
import type { Env } from './config/env.js';
import type { Logger } from './logger.js';

export * from './core/trace.js';

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
  const exporter = new OTLPTraceExporter({
    url: tracesUrl(env),
    headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'void', 'void.role': role }),
    sampler: samplerFor(env, base),
    spanProcessors: [new base.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  log.info(
    { endpoint: tracesUrl(env), sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on' },
    'OpenTelemetry tracing on',
  );
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
