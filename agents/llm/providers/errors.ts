// Maps an SDK error (OpenAI and Anthropic share their error shapes: status, headers, connection errors) to a
// ModelCallError. Duck-typed on purpose: the router must not import a provider SDK.
import { ModelCallError } from '../types.js';

interface SdkErrorShape {
  name?: string;
  status?: number;
  message?: string;
  headers?: { get(name: string): string | null } | undefined;
}

export function classifySdkError(error: unknown, provider: string): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const err = (error ?? {}) as SdkErrorShape;
  const name = err.name ?? (error as object)?.constructor?.name ?? 'Error';
  if (/Timeout/i.test(name) || /timed? ?out/i.test(err.message ?? ''))
    return new ModelCallError('timeout', `${provider}: request timed out`);
  if (/Connection/i.test(name) && err.status === undefined)
    return new ModelCallError('connection', `${provider}: connection failed`);
  const status = typeof err.status === 'number' ? err.status : undefined;
  if (status === 429)
    return new ModelCallError('rate_limited', `${provider}: rate limited (429)`, retryAfterMs(err.headers), 429);
  if (status !== undefined && (status >= 500 || status === 408 || status === 409)) {
    return new ModelCallError('server', `${provider}: server error (${status})`, retryAfterMs(err.headers), status);
  }
  if (status !== undefined)
    return new ModelCallError('client', `${provider}: request refused (${status})`, undefined, status);
  return new ModelCallError('malformed', `${provider}: unusable response (${name})`);
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: SdkErrorShape['headers'], now = Date.now()): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && headers.get('retry-after-ms') !== null) return ms;
  const raw = headers.get('retry-after');
  if (raw === null || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The JSON text a model produced → a value, or a `malformed` failure. */
export function parseJsonAnswer(text: string | null | undefined, provider: string): unknown {
  if (!text) throw new ModelCallError('malformed', `${provider}: empty answer`);
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```\s*$/, '');
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new ModelCallError('malformed', `${provider}: the answer is not JSON`);
  }
}
