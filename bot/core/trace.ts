// Tracing as every layer sees it: spans and the W3C trace context, on the OpenTelemetry API alone. The API is a
// no-op until the application registers an SDK (bot/tracing.ts initTracing, when an OTLP endpoint is configured),
// so the queue, workers and adapters can open spans without knowing whether tracing is on.
import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

export { SpanKind } from '@opentelemetry/api';

/** The W3C trace context as carried in job data and HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const tracer = () => trace.getTracer('void');

/** The span `withSpan` hands to its function while no tracer provider is registered: every method a no-op. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether a tracer provider is registered (bot/tracing.ts initTracing); the API's global answers, so a provider
 *  registered later is seen at once. Without one every span is a no-op, and opening it is skipped altogether. */
export function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegateTracer('void') === undefined;
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The parent context (from an HTTP request or job data); default: the active context. */
  readonly parent?: Context;
}

/** Runs `fn` inside a new active span; records a thrown error on it and rethrows. Adapters wrap outbound calls. */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  // Tracing off: no context to make active and nothing to record (a no-op span and a new context per call otherwise).
  if (tracingOff()) return fn(NOT_RECORDING);
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'error' });
        throw error;
      } finally {
        span.end();
      }
    },
  );
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

/** Reads a carrier: made once, not per call (every request extracts its context). */
const carrierGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (c) => Object.keys(c),
  get: (c, key) => {
    const value = c[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? (value as string[]) : undefined;
  },
};

/** The context a carrier (job data, HTTP headers) describes; the active context when there is none. */
export function contextFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  if (!carrier) return context.active();
  return propagation.extract(context.active(), carrier, carrierGetter);
}
