// The audit HTTP API: GET /api/tenants/:id/audit (query), /audit/verify and /audit/export (streamed).
// Every call needs `Authorization: Bearer <token>` with a token of that tenant; another tenant's token reads the
// tenant as nonexistent (404), so that nothing about other tenants leaks.
import { ok, refuse, refused, type Outcome, type Refusal, type RefusalCode } from '../bot/core/outcome.js';
import type { TenantRegistry } from '../bot/core/registry.js';
import { json, type HttpRequest, type HttpResponse, type RouteRegistrar } from '../bot/core/http.js';
import { exportHead, exportLines, type ExportFormat } from './export.js';
import { encodeCursor, parseQuery, parseTime } from './query.js';
import { AUDIT_READER_ROLES, type ApiTokenInfo, type AuditTokenStore } from './tokens.js';
import type { AuditTrail } from './trail.js';
import type { AuditRecord } from './types.js';
import { verifyChain } from './verify.js';

export interface AuditHttpDeps {
  readonly trail: AuditTrail;
  readonly tokens: AuditTokenStore;
  readonly registry: TenantRegistry;
}

/** Headers that go with a refusal's answer: how to authenticate, when to come back. */
const ANSWER_HEADERS: Partial<Record<RefusalCode, Record<string, string>>> = {
  'audit.unauthorised': { 'www-authenticate': 'Bearer' },
  'audit.tokens_unavailable': { 'retry-after': '5' },
};

/** A refusal as the API's answer: its status, `{ error: code, message }`. */
const answer = (refusal: Refusal): HttpResponse =>
  json(refusal.status ?? 400, { error: refusal.code, message: refusal.message }, ANSWER_HEADERS[refusal.code]);
const badRequest = (why: string): HttpResponse => answer(refuse('audit.bad_query', { why }));

async function authorise(deps: AuditHttpDeps, req: HttpRequest): Promise<Outcome<ApiTokenInfo>> {
  const header = req.headers.authorization;
  const token =
    typeof header === 'string' && /^Bearer\s+\S+$/i.test(header) ? header.replace(/^Bearer\s+/i, '') : undefined;
  if (!token) return refused('audit.unauthorised');
  let info: ApiTokenInfo | undefined;
  try {
    info = await deps.tokens.lookup(token);
  } catch (error) {
    req.log.error({ err: error }, 'audit API tokens unreadable (Redis)');
    return refused('audit.tokens_unavailable');
  }
  if (!info) return refused('audit.unauthorised');
  const tenantId = req.params.id ?? '';
  if (info.tenantId !== tenantId || !deps.registry.get(tenantId)) return refused('audit.not_found');
  const member = deps.registry.memberById(tenantId, info.memberId);
  if (!member || !member.roles.some((r) => AUDIT_READER_ROLES.includes(r))) {
    return refused('audit.forbidden', { stage: 'token' });
  }
  return ok(info);
}

const actorOf = (token: ApiTokenInfo) => ({
  memberId: token.memberId,
  platform: 'http' as const,
  platformUserId: token.id,
});

async function query(deps: AuditHttpDeps, req: HttpRequest, tenantId: string): Promise<HttpResponse> {
  const parsed = parseQuery(req.query);
  if (!parsed.ok) return answer(parsed.refusal);
  const { filter, afterSeq, limit } = parsed.value;
  const records = await deps.trail.store.query(tenantId, filter, afterSeq, limit);
  const last = records[records.length - 1];
  const head = await deps.trail.store.head(tenantId);
  return json(200, {
    tenantId,
    records: records as unknown as AuditRecord[],
    nextCursor: records.length === limit && last ? encodeCursor(last.seq) : null,
    head: head ? { seq: head.seq, hash: head.hash } : null,
  });
}

async function verify(
  deps: AuditHttpDeps,
  req: HttpRequest,
  tenantId: string,
  token: ApiTokenInfo,
): Promise<HttpResponse> {
  const seq = req.query.get('headSeq');
  const hash = req.query.get('headHash');
  if ((seq === null) !== (hash === null))
    return badRequest('give both "headSeq" and "headHash" (from an export), or neither');
  if (seq !== null && (!/^\d{1,15}$/.test(seq) || !/^[0-9a-f]{64}$/.test(hash ?? '')))
    return badRequest('"headSeq" must be a number and "headHash" 64 hex digits');
  const result = await verifyChain(deps.trail.store, tenantId, {
    expectedHead: seq !== null ? { seq: Number(seq), hash: hash as string } : undefined,
  });
  await deps.trail.append({
    tenantId,
    action: 'audit.verified',
    actor: actorOf(token),
    outcome: result.ok ? 'success' : 'failure',
    details: {
      checked: result.checked,
      headSeq: result.head?.seq,
      breakSeq: result.firstBreak?.seq,
      breakReason: result.firstBreak?.reason,
    },
    correlationId: `http-${token.id}-${Date.now()}`,
  });
  return json(200, result as unknown as Record<string, unknown>);
}

async function exportTrail(
  deps: AuditHttpDeps,
  req: HttpRequest,
  tenantId: string,
  token: ApiTokenInfo,
): Promise<HttpResponse> {
  const format = (req.query.get('format') ?? 'jsonl') as ExportFormat;
  if (format !== 'jsonl' && format !== 'csv') return badRequest('"format" must be jsonl or csv');
  const times: { from?: string; until?: string } = {};
  for (const [key, name] of [
    ['since', 'from'],
    ['from', 'from'],
    ['until', 'until'],
  ] as const) {
    const raw = req.query.get(key);
    if (raw === null) continue;
    const parsed = parseTime(raw);
    if (!parsed) return badRequest(`"${key}" must be a date (YYYY-MM-DD) or an ISO-8601 time`);
    times[name] = parsed;
  }
  const head = await exportHead(deps.trail.store, tenantId, times);
  await deps.trail.append({
    tenantId,
    action: 'audit.exported',
    actor: actorOf(token),
    outcome: 'success',
    details: { format, headSeq: head.headSeq, from: head.from, until: head.until },
    correlationId: `http-${token.id}-${Date.now()}`,
  });
  return {
    status: 200,
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="audit-${tenantId}-${head.headSeq}.${format}"`,
      'x-void-audit-head': `${head.headSeq}:${head.headHash}`,
    },
    body: exportLines(deps.trail.store, head, format, times),
  };
}

export function registerAuditRoutes(http: RouteRegistrar, deps: AuditHttpDeps): void {
  const guarded =
    (handler: (req: HttpRequest, tenantId: string, token: ApiTokenInfo) => Promise<HttpResponse>) =>
    async (req: HttpRequest): Promise<HttpResponse> => {
      const auth = await authorise(deps, req);
      return auth.ok ? handler(req, auth.value.tenantId, auth.value) : answer(auth.refusal);
    };
  http.route(
    'GET',
    '/api/tenants/:id/audit',
    guarded((req, tenantId) => query(deps, req, tenantId)),
  );
  http.route(
    'GET',
    '/api/tenants/:id/audit/verify',
    guarded((req, tenantId, token) => verify(deps, req, tenantId, token)),
  );
  http.route(
    'GET',
    '/api/tenants/:id/audit/export',
    guarded((req, tenantId, token) => exportTrail(deps, req, tenantId, token)),
  );
}
