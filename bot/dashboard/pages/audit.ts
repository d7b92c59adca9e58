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
import { concatHtml, csrfField, html, htmlResponse, SafeHtml, securityHeaders, tableHead, term } from '../html.js';

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
  const link = html`<a href="/dashboard/t/${tenantId}/audit/records/${r.seq}">${r.seq}</a>`;
  const actor = html`${r.actor.memberId ?? '—'} (${r.actor.platform})`;
  return concatHtml(
    html`<tr><td>${link}</td><td><time datetime="${r.ts}">${r.ts}</time></td><td>${actor}</td>`,
    html`<td>${r.action}</td><td>${r.target ?? ''}</td><td>${r.outcome}</td></tr>`,
  );
}

function recordsTable(tenantId: string, records: readonly AuditRecord[]) {
  const capped = records.length === 100 ? ' (the first 100; narrow the search)' : '';
  const head = tableHead('Seq', 'Time', 'Actor', 'Action', 'Target', 'Outcome');
  return html`<table><caption>${records.length} record(s)${capped}</caption>${head}
<tbody>${records.map((r) => recordRow(tenantId, r))}</tbody></table>`;
}

function searchForm(q: URLSearchParams) {
  const field = (name: string, label: string, placeholder = '') =>
    concatHtml(
      html`<label for="f-${name}">${label}</label> `,
      html`<input id="f-${name}" name="${name}" value="${q.get(name) ?? ''}" placeholder="${placeholder}" size="14">`,
    );
  // Each field is followed by a space, the last one by the button.
  const fields = [
    field('actor', 'Actor'),
    field('action', 'Action', 'job.failed or github.*'),
    field('target', 'Target'),
    field('from', 'From', 'YYYY-MM-DD'),
    field('until', 'Until', 'YYYY-MM-DD'),
  ].map((f) => html`${f} `);
  return html`<form method="get" class="filters">${fields}<button type="submit">Search</button></form>`;
}

/** Verifying is a POST: it writes an `audit.verified` record. */
function verifyForm(viewer: Viewer) {
  return concatHtml(
    html`<form method="post" action="/dashboard/t/${viewer.tenant.id}/audit/verify" class="inline">`,
    html`${csrfField(viewer.session.csrf)}<button type="submit">Verify the chain</button></form>`,
  );
}

/** Export links carry the search's period (from, until) and nothing else of it. */
function exportLinks(tenantId: string, query: URLSearchParams) {
  const period = new URLSearchParams([...query].filter(([k, v]) => ['from', 'until'].includes(k) && v)).toString();
  const link = (format: string, label: string) =>
    html`<a href="/dashboard/t/${tenantId}/audit/export?format=${format}&${period}" download>${label}</a>`;
  return html`<p>Export: ${link('jsonl', 'JSON Lines')} · ${link('csv', 'CSV')}</p>`;
}

/** One record in full, with the links of its hash chain (the previous and the next record). */
function recordDetails(tenantId: string, record: AuditRecord) {
  const { actor, seq } = record;
  const link = (to: number, label: string) => html`<a href="/dashboard/t/${tenantId}/audit/records/${to}">${label}</a>`;
  const who = html`${actor.memberId ?? '—'} via ${actor.platform} ${actor.platformUserId ?? ''}`;
  const trailLink = html`<a href="/dashboard/t/${tenantId}/audit?correlationId=${record.correlationId}">`;
  const correlation = html`${trailLink}${record.correlationId}</a>`;
  const what = [term('Action', record.action), term('Target', record.target ?? '—'), term('Outcome', record.outcome)];
  const details = html`<pre>${JSON.stringify(record.details ?? {}, null, 2)}</pre>`;
  const toPrevious = seq > 1 ? html` (${link(seq - 1, `record ${seq - 1}`)})` : '';
  const previous = html`<code>${record.prevHash}</code>${toPrevious}`;
  const hash = html`<code>${record.hash}</code> (${link(seq + 1, 'next')})`;
  return html`<dl class="record">${term('Sequence', seq)}${term('Time', record.ts)}${term('Actor', who)}
${what}${term('Correlation', correlation)}
${term('Details', details)}
${term('Previous hash', previous)}${term('Hash', hash)}</dl>`;
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
      const body = html`${searchForm(req.query)}
${verifyForm(viewer)}
${exportLinks(id, req.query)}
${recordsTable(id, records)}`;
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
      const body = recordDetails(viewer.tenant.id, record);
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
        const percent = Math.min(100, Math.floor((lastSeq / Math.max(1, headSeq)) * 100));
        lines.push(
          html`<p>Checked ${checked} record(s), up to record ${lastSeq} of ${headSeq} (${percent}%)…</p>`.value,
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
    const outcome = concatHtml(
      html`<p role="status" class="${result.ok ? 'done' : 'refusal'}" data-ok="${String(result.ok)}">`,
      html`${describeVerify(result)}</p><p><a href="/dashboard/t/${id}/audit">Back to the trail</a></p>`,
    );
    yield `</div>${outcome.value}${bottom}`;
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
