// The audit viewer, for compliance officers and admins: search and filter the trail, open a record with its hash
// links, verify the chain, export JSON Lines or CSV (streamed, pinned to the head read when the export starts).
import { exportHead, exportLines } from '../../../audit/export.js';
import { parseQuery, parseTime } from '../../../audit/query.js';
import { AUDIT_READER_ROLES } from '../../../audit/tokens.js';
import { auditActorOf, type AuditRecord } from '../../../audit/types.js';
import { describeVerify, verifyChain } from '../../../audit/verify.js';
import type { HttpResponse, HttpServer } from '../../http/server.js';
import { forbidden, notFound, secureCookies, view, type DashboardDeps, type Viewer } from '../context.js';
import { hasRole, tenantRoute, type TenantHandler } from '../guard.js';
import { html, htmlResponse, SafeHtml, securityHeaders } from '../html.js';

/** Compliance officers and admins only; others get a 403 that says who may. */
export const readers =
  (deps: DashboardDeps, handler: TenantHandler): TenantHandler =>
  (req, viewer, form) =>
    hasRole(viewer, ...AUDIT_READER_ROLES)
      ? handler(req, viewer, form)
      : forbidden(
          deps,
          viewer,
          `Only compliance officers and admins can read the audit trail and evidence of ${viewer.tenant.name}.`,
        );

function recordRow(tenantId: string, r: AuditRecord) {
  return html`<tr><td><a href="/dashboard/t/${tenantId}/audit/records/${r.seq}">${r.seq}</a></td><td><time datetime="${r.ts}">${r.ts}</time></td><td>${r.actor.memberId ?? '—'} (${r.actor.platform})</td><td>${r.action}</td><td>${r.target ?? ''}</td><td>${r.outcome}</td></tr>`;
}

function searchForm(q: URLSearchParams) {
  const field = (name: string, label: string, placeholder = '') =>
    html`<label for="f-${name}">${label}</label> <input id="f-${name}" name="${name}" value="${q.get(name) ?? ''}" placeholder="${placeholder}" size="14">`;
  return html`<form method="get" class="filters">${field('actor', 'Actor')} ${field('action', 'Action', 'job.failed or github.*')} ${field('target', 'Target')} ${field('from', 'From', 'YYYY-MM-DD')} ${field('until', 'Until', 'YYYY-MM-DD')} <button type="submit">Search</button></form>`;
}

export function registerAudit(http: HttpServer, deps: DashboardDeps): void {
  tenantRoute(
    http,
    deps,
    'GET',
    '/audit',
    readers(deps, async (req, viewer) => {
      const parsed = parseQuery(new URLSearchParams([...req.query].filter(([, v]) => v !== '')));
      const id = viewer.tenant.id;
      if (!parsed.ok)
        return view(
          deps,
          viewer,
          'audit',
          'Audit trail',
          html`${searchForm(req.query)}<p role="alert">${parsed.refusal.message}</p>`,
          400,
        );
      const records = await deps.audit.store.query(id, parsed.value.filter, parsed.value.afterSeq, 100);
      const exportQs = new URLSearchParams(
        [...req.query].filter(([k, v]) => ['from', 'until'].includes(k) && v),
      ).toString();
      const body = html`${searchForm(req.query)}
<form method="post" action="/dashboard/t/${id}/audit/verify" class="inline"><input type="hidden" name="_csrf" value="${viewer.session.csrf}"><button type="submit">Verify the chain</button></form>
<p>Export: <a href="/dashboard/t/${id}/audit/export?format=jsonl&${exportQs}" download>JSON Lines</a> · <a href="/dashboard/t/${id}/audit/export?format=csv&${exportQs}" download>CSV</a></p>
<table><caption>${records.length} record(s)${records.length === 100 ? ' (the first 100; narrow the search)' : ''}</caption><thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead>
<tbody>${records.map((r) => recordRow(id, r))}</tbody></table>`;
      return view(deps, viewer, 'audit', 'Audit trail', body);
    }),
  );
  tenantRoute(
    http,
    deps,
    'GET',
    '/audit/records/:seq',
    readers(deps, async (req, viewer) => {
      const seq = Number(req.params.seq);
      const [record] = Number.isInteger(seq) && seq > 0 ? await deps.audit.store.range(viewer.tenant.id, seq, 1) : [];
      if (!record || record.seq !== seq) return notFound(deps, viewer);
      const id = viewer.tenant.id;
      const body = html`<dl class="record"><dt>Sequence</dt><dd>${record.seq}</dd><dt>Time</dt><dd>${record.ts}</dd><dt>Actor</dt><dd>${record.actor.memberId ?? '—'} via ${record.actor.platform} ${record.actor.platformUserId ?? ''}</dd>
<dt>Action</dt><dd>${record.action}</dd><dt>Target</dt><dd>${record.target ?? '—'}</dd><dt>Outcome</dt><dd>${record.outcome}</dd><dt>Correlation</dt><dd><a href="/dashboard/t/${id}/audit?correlationId=${record.correlationId}">${record.correlationId}</a></dd>
<dt>Details</dt><dd><pre>${JSON.stringify(record.details ?? {}, null, 2)}</pre></dd>
<dt>Previous hash</dt><dd><code>${record.prevHash}</code>${record.seq > 1 ? html` (<a href="/dashboard/t/${id}/audit/records/${record.seq - 1}">record ${record.seq - 1}</a>)` : ''}</dd><dt>Hash</dt><dd><code>${record.hash}</code> (<a href="/dashboard/t/${id}/audit/records/${record.seq + 1}">next</a>)</dd></dl>`;
      return view(deps, viewer, 'audit', `Audit record ${record.seq}`, body);
    }),
  );
  tenantRoute(
    http,
    deps,
    'POST',
    '/audit/verify',
    readers(deps, async (_req, viewer) => verifyRoute(deps, viewer)),
  );
  tenantRoute(
    http,
    deps,
    'GET',
    '/audit/export',
    readers(deps, async (req, viewer) => exportRoute(deps, req.query, viewer)),
  );
}

/**
 * Verification streams its page: the layout and a progress line at once, one more line per 1,000 records checked
 * (the stylesheet shows only the newest), then the verdict. A large trail shows progress with no script at all.
 */
function verifyRoute(deps: DashboardDeps, viewer: Viewer): HttpResponse {
  const marker = '<!--void-verify-->';
  const [top = '', bottom = ''] =
    view(deps, viewer, 'audit', 'Chain verification', new SafeHtml(marker)).body?.toString().split(marker) ?? [];
  const base = htmlResponse(200, '', secureCookies(deps));
  async function* stream(): AsyncGenerator<string> {
    const id = viewer.tenant.id;
    const headSeq = (await deps.audit.store.head(id))?.seq ?? 0;
    yield `${top}<div class="verify-progress" aria-live="polite"><p>Verifying ${headSeq} record(s)…</p>`;
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const verdict = verifyChain(deps.audit.store, id, {
      onProgress: (checked, lastSeq) => {
        lines.push(
          html`<p>Checked ${checked} record(s), up to record ${lastSeq} of ${headSeq} (${Math.min(100, Math.floor((lastSeq / Math.max(1, headSeq)) * 100))}%)…</p>`
            .value,
        );
        wake?.();
      },
    }).finally(() => {
      done = true;
      wake?.();
    });
    while (!done || lines.length) {
      if (lines.length) yield lines.splice(0).join('');
      else await new Promise<void>((resolve) => (wake = resolve));
    }
    const result = await verdict;
    await deps.audit.append({
      tenantId: id,
      action: 'audit.verified',
      actor: auditActorOf(viewer.actor),
      outcome: result.ok ? 'success' : 'failure',
      details: {
        checked: result.checked,
        headSeq: result.head?.seq,
        breakSeq: result.firstBreak?.seq,
        breakReason: result.firstBreak?.reason,
      },
      correlationId: `web-${viewer.session.id}-${Date.now().toString(36)}`,
    });
    yield `</div>${html`<p role="status" class="${result.ok ? 'done' : 'refusal'}" data-ok="${String(result.ok)}">${describeVerify(result)}</p><p><a href="/dashboard/t/${id}/audit">Back to the trail</a></p>`.value}${bottom}`;
  }
  return { ...base, body: stream() };
}

async function exportRoute(deps: DashboardDeps, query: URLSearchParams, viewer: Viewer) {
  const format = query.get('format') ?? 'jsonl';
  const times: { from?: string; until?: string } = {};
  for (const key of ['from', 'until'] as const) {
    const raw = query.get(key);
    if (!raw) continue;
    const parsed = parseTime(raw);
    if (!parsed)
      return view(
        deps,
        viewer,
        'audit',
        'Export refused',
        html`<p role="alert">"${key}" must be a date like 2026-11-01.</p>`,
        400,
      );
    times[key] = parsed;
  }
  if (format !== 'jsonl' && format !== 'csv')
    return view(deps, viewer, 'audit', 'Export refused', html`<p role="alert">The format is jsonl or csv.</p>`, 400);
  const id = viewer.tenant.id;
  const head = await exportHead(deps.audit.store, id, times);
  await deps.audit.append({
    tenantId: id,
    action: 'audit.exported',
    actor: auditActorOf(viewer.actor),
    outcome: 'success',
    details: { channel: 'web', format, headSeq: head.headSeq, from: head.from, until: head.until },
    correlationId: `web-${viewer.session.id}-${Date.now().toString(36)}`,
  });
  return {
    status: 200,
    headers: {
      ...securityHeaders(secureCookies(deps)),
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="audit-${id}-${head.headSeq}.${format}"`,
      'x-void-audit-head': `${head.headSeq}:${head.headHash}`,
    },
    body: exportLines(deps.audit.store, head, format, times),
  };
}
