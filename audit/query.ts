// Queries over one tenant's trail: filters (time range, actor, action or family, target, correlation id) and
// opaque cursors for pagination. Parsing returns refusals as values, so that the HTTP API answers 400, never 500.
import { refused, type Outcome } from '../bot/core/outcome.js';
import type { AuditFilter, AuditRecord } from './types.js';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export function matchesFilter(record: AuditRecord, filter: AuditFilter): boolean {
  if (filter.maxSeq !== undefined && record.seq > filter.maxSeq) return false;
  if (filter.from !== undefined && record.ts < filter.from) return false;
  if (filter.until !== undefined && record.ts >= filter.until) return false;
  if (filter.actor !== undefined && record.actor.memberId !== filter.actor) return false;
  if (filter.target !== undefined && record.target !== filter.target) return false;
  if (filter.correlationId !== undefined && record.correlationId !== filter.correlationId) return false;
  if (filter.action !== undefined) {
    const family = familyPrefix(filter.action);
    if (family ? !record.action.startsWith(family) : record.action !== filter.action) return false;
  }
  return true;
}

/** `github.*` → `github.`; an exact action → undefined. */
export function familyPrefix(action: string): string | undefined {
  return action.endsWith('.*') ? action.slice(0, -1) : undefined;
}

export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    return typeof parsed.s === 'number' && Number.isInteger(parsed.s) && parsed.s >= 0 ? parsed.s : undefined;
  } catch {
    return undefined;
  }
}

/** `2026-11-01` or a full ISO timestamp → canonical ISO string; anything else → undefined. */
export function parseTime(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export interface QueryRequest {
  readonly filter: AuditFilter;
  readonly afterSeq: number;
  readonly limit: number;
}

const bad = (why: string): Outcome<never> => refused('audit.bad_query', { why });

/**
 * Reads a query from URL-style parameters: from, until (or since), actor, action, target, correlationId, cursor, limit.
 */
export function parseQuery(params: URLSearchParams): Outcome<QueryRequest> {
  const times: Record<'from' | 'until', string | undefined> = { from: undefined, until: undefined };
  for (const [key, name] of [
    ['from', 'from'],
    ['since', 'from'],
    ['until', 'until'],
  ] as const) {
    const raw = params.get(key);
    if (raw === null) continue;
    const parsed = parseTime(raw);
    if (!parsed) return bad(`"${key}" must be a date (YYYY-MM-DD) or an ISO-8601 time, got "${raw.slice(0, 40)}"`);
    times[name] = parsed;
  }
  const action = params.get('action') ?? undefined;
  if (action !== undefined && !/^[a-z]+(\.[a-z_*]+)+$/.test(action))
    return bad(`"action" must be an action such as job.failed or a family such as github.*`);
  let afterSeq = 0;
  const cursor = params.get('cursor');
  if (cursor !== null) {
    const seq = decodeCursor(cursor);
    if (seq === undefined) return bad('"cursor" is not a cursor this API gave out');
    afterSeq = seq;
  }
  const rawLimit = params.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    return bad(`"limit" must be a whole number from 1 to ${MAX_PAGE}`);
  const text = (name: string) => {
    const value = params.get(name);
    return value === null || value === '' ? undefined : value.slice(0, 500);
  };
  const filter: AuditFilter = {
    ...times,
    actor: text('actor'),
    action,
    target: text('target'),
    correlationId: text('correlationId'),
  };
  return { ok: true, value: { filter, afterSeq, limit } };
}
