// Read-only pages: the tenant (members, roles, linked identities, policies with a `policy explain` form), the
// compliance evidence of a period (printable), and the system page for admins. Configuration stays in the file.
import type { JobSummary } from '../../../agents/queue.js';
import { parseTime } from '../../../audit/query.js';
import { collectEvidence, type ApprovalEvidence } from '../../../audit/report.js';
import { followUpIdFor } from '../../../approvals/breakglass.js';
import { verifyChain } from '../../../audit/verify.js';
import { modelsOf } from '../../../agents/llm/models.schema.js';
import { policiesOf } from '../../../approvals/policy.schema.js';
import { explainPolicy } from '../../../approvals/policy.js';
import { describeQuorum } from '../../../approvals/quorum.js';
import type { PlatformHealth } from '../../core/health.js';
import { ACTION_NAMES, parseCommand, type ActionCommand } from '../../core/grammar.js';
import type { HttpServer } from '../../http/server.js';
import { forbidden, view, type DashboardDeps, type Viewer } from '../context.js';
import { hasRole, tenantRoute } from '../guard.js';
import { html, type SafeHtml } from '../html.js';
import { readers } from './audit.js';

function explainForm(viewer: Viewer, text: string, answer?: string): SafeHtml {
  return html`<form method="get" class="filters"><label for="explain">Explain a command</label> <input id="explain" name="explain" value="${text}" placeholder="deploy payments to production" size="40"> <button type="submit">Explain</button></form>
${answer ? html`<pre class="explain" role="status">${answer}</pre>` : ''}`;
}

function explain(viewer: Viewer, text: string): string | undefined {
  if (!text) return undefined;
  const parsed = parseCommand(text.slice(0, 300));
  if (!parsed.ok || !(ACTION_NAMES as readonly string[]).includes(parsed.command.name))
    return `Name an action to explain: ${ACTION_NAMES.join(', ')} (for example "deploy payments to production").`;
  return explainPolicy(viewer.tenant, parsed.command as ActionCommand, viewer.member);
}

function tenantPage(deps: DashboardDeps, viewer: Viewer, query: URLSearchParams) {
  const t = viewer.tenant;
  const text = query.get('explain')?.trim() ?? '';
  const members = t.members.map(
    (m) =>
      html`<tr><td>${m.name}</td><td><code>${m.id}</code></td><td>${m.roles.join(', ')}</td><td>${
        Object.entries(m.identities)
          .filter(([, ids]) => ids?.length)
          .map(([p]) => p)
          .join(', ') || '—'
      }</td></tr>`,
  );
  const policies = policiesOf(t);
  const rules = policies.rules.map(
    (r) => html`<li><strong>${r.name}</strong>: ${r.quorum.length ? describeQuorum(r.quorum) : 'no approval'}</li>`,
  );
  const body = html`<section aria-labelledby="members"><h2 id="members">Members</h2><table><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Roles</th><th scope="col">Linked</th></tr></thead><tbody>${members}</tbody></table></section>
<section aria-labelledby="policies"><h2 id="policies">Policies</h2><p>Default for actions no rule covers: ${policies.default}.</p><ul>${rules}</ul>${explainForm(viewer, text, explain(viewer, text))}</section>
<p>This page is read-only: the tenants file is the configuration.</p>`;
  return view(deps, viewer, 'tenant', t.name, body);
}

function breakGlassCell(viewer: Viewer, e: ApprovalEvidence, who: (id: string | undefined) => string): SafeHtml {
  if (!e.breakGlass) return html`—`;
  if (e.acknowledgement) return html`by ${who(e.breakGlass.by)}; acknowledged by ${who(e.acknowledgement.by)}`;
  const form = hasRole(viewer, 'compliance_officer')
    ? html`<form method="post" action="/dashboard/t/${viewer.tenant.id}/compliance/ack"><input type="hidden" name="_csrf" value="${viewer.session.csrf}"><input type="hidden" name="followUp" value="${followUpIdFor(e.approvalId)}"><button type="submit">Acknowledge</button></form>`
    : '';
  return html`by ${who(e.breakGlass.by)}; <strong>not acknowledged</strong>${form}`;
}

async function compliancePage(deps: DashboardDeps, viewer: Viewer, query: URLSearchParams) {
  const from = parseTime(query.get('from') ?? '');
  const until = parseTime(query.get('until') ?? '');
  const filter = { from, until };
  const [evidence, verify] = await Promise.all([
    collectEvidence(deps.audit.store, viewer.tenant.id, filter),
    verifyChain(deps.audit.store, viewer.tenant.id),
  ]);
  const names = new Map(viewer.tenant.members.map((m) => [m.id, m.name]));
  const who = (id: string | undefined) => (id ? (names.get(id) ?? id) : '—');
  const rows = evidence.map(
    (
      e,
    ) => html`<tr><td><code>${e.approvalId}</code></td><td>${e.summary ?? ''}</td><td>${who(e.requester)}</td><td>${e.rule ?? ''}</td><td>${e.approvers.map(who).join(', ') || '—'}</td><td>${e.state}</td>
<td>${breakGlassCell(viewer, e, who)}</td><td>${e.denials.map((d) => `${who(d.by)}: ${d.code}`).join('; ') || '—'}</td><td>${e.job ? `${e.job.outcome}` : 'not run'}</td></tr>`,
  );
  const selfRefusals = evidence.reduce(
    (n, e) => n + e.denials.filter((d) => d.code === 'approval.self_approval').length,
    0,
  );
  const body = html`<form method="get" class="filters"><label for="from">From</label> <input id="from" name="from" value="${query.get('from') ?? ''}" placeholder="YYYY-MM-DD" size="10"> <label for="until">Until</label> <input id="until" name="until" value="${query.get('until') ?? ''}" placeholder="YYYY-MM-DD" size="10"> <button type="submit">Show</button></form>
<p>Chain: ${verify.ok ? `verified (${verify.checked} records, head ${verify.head?.seq ?? 0})` : `BROKEN at record ${verify.firstBreak?.seq ?? '?'}`}. Approved: ${evidence.filter((e) => e.state === 'approved').length}. Break-glass uses: ${evidence.filter((e) => e.breakGlass).length}. Refused self-approvals: ${selfRefusals}.</p>
<table><caption>Approval-gated requests ${from ? `from ${from.slice(0, 10)}` : ''} ${until ? `until ${until.slice(0, 10)}` : ''}</caption><thead><tr><th scope="col">Request</th><th scope="col">What</th><th scope="col">Requester</th><th scope="col">Rule</th><th scope="col">Approvers</th><th scope="col">State</th><th scope="col">Break-glass</th><th scope="col">Refusals</th><th scope="col">Job</th></tr></thead><tbody>${rows}</tbody></table>`;
  return view(deps, viewer, 'compliance', 'Compliance evidence', body);
}

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  slack: 'Slack',
  teams: 'Microsoft Teams',
  github: 'GitHub',
  jira: 'JIRA',
};

/**
 * The tenant's bound platforms with their credential check (the same one /readyz shows); a failure says what to fix.
 */
function connectionsTable(viewer: Viewer, health: Record<string, PlatformHealth>) {
  const bound = Object.keys(PLATFORM_NAMES).filter(
    (p) => viewer.tenant.bindings[p as keyof typeof viewer.tenant.bindings],
  );
  const rows = bound.map((p) => {
    const h = health[p];
    const state = !h
      ? html`<td>connected (no credential check for this platform)</td>`
      : h.status === 'failing'
        ? html`<td class="refusal" data-status="failing">failing${h.reason ? ` (${h.reason})` : ''}${h.since ? html` since <time datetime="${h.since}">${h.since}</time>` : ''}: ${h.message ?? 'replies there are lost'}</td>`
        : html`<td data-status="${h.status}">${h.status === 'ok' ? 'ok' : 'not checked yet'}${h.lastSuccessAt ? html`, last success <time datetime="${h.lastSuccessAt}">${h.lastSuccessAt}</time>` : ''}</td>`;
    return html`<tr data-platform="${p}"><th scope="row">${PLATFORM_NAMES[p]}</th>${state}</tr>`;
  });
  return html`<table><caption>Platform connections</caption><thead><tr><th scope="col">Platform</th><th scope="col">State</th></tr></thead><tbody>${rows.length ? rows : html`<tr><td colspan="2">No platform is bound to this organisation.</td></tr>`}</tbody></table>`;
}

async function systemPage(deps: DashboardDeps, viewer: Viewer) {
  if (!hasRole(viewer, 'admin'))
    return forbidden(deps, viewer, `Only admins of ${viewer.tenant.name} can see the system page.`);
  const [counts, workers, recent, spend, health] = await Promise.all([
    deps.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    deps.queue.queue.getWorkersCount(),
    deps.queue.recent(viewer.tenant.id, 200),
    deps.modelSpend(viewer.tenant.id),
    deps.platformHealth().catch(() => ({})),
  ]);
  const budgets = modelsOf(viewer.tenant).budgets;
  const mine = (state: string) => recent.filter((j: JobSummary) => j.state === state).length;
  const body = html`<dl><dt>Workers connected</dt><dd>${workers}</dd><dt>Queue (all tenants)</dt><dd>${counts.waiting ?? 0} waiting, ${counts.active ?? 0} active, ${counts.delayed ?? 0} delayed, ${counts.failed ?? 0} failed</dd>
<dt>This tenant's recent jobs</dt><dd>${mine('active')} active, ${mine('waiting')} waiting, ${mine('failed')} failed of the last ${recent.length}</dd>
<dt>Model spend today (UTC)</dt><dd>${spend.tokens} tokens${budgets.dailyTokens ? ` of ${budgets.dailyTokens}` : ' (no token budget)'}; $${spend.costUsd.toFixed(2)}${budgets.dailyCostUsd ? ` of $${budgets.dailyCostUsd.toFixed(2)}` : ' (no cost budget)'}</dd></dl>
${connectionsTable(viewer, health)}`;
  return view(deps, viewer, 'system', 'System', body);
}

export function registerReadOnly(http: HttpServer, deps: DashboardDeps): void {
  tenantRoute(http, deps, 'GET', '/tenant', (req, viewer) => tenantPage(deps, viewer, req.query));
  tenantRoute(
    http,
    deps,
    'GET',
    '/compliance',
    readers(deps, (req, viewer) => compliancePage(deps, viewer, req.query)),
  );
  tenantRoute(http, deps, 'POST', '/compliance/ack', async (_req, viewer, form) => {
    const id = form.get('followUp') ?? '';
    if (!/^fu-[0-9a-f]{10}$/.test(id))
      return view(
        deps,
        viewer,
        'compliance',
        'Nothing acknowledged',
        html`<p role="alert">That is not a follow-up id.</p>`,
        400,
      );
    const [reply] = await deps.runCommand(viewer, { name: 'ack', id });
    const refused = reply?.kind === 'refusal';
    return view(
      deps,
      viewer,
      'compliance',
      refused ? 'Refused' : 'Acknowledged',
      html`<p role="${refused ? 'alert' : 'status'}" class="${refused ? 'refusal' : 'done'}">${reply?.text ?? ''}</p><p><a href="/dashboard/t/${viewer.tenant.id}/compliance">Back to the evidence</a></p>`,
      refused ? 403 : 200,
    );
  });
  tenantRoute(http, deps, 'GET', '/system', (_req, viewer) => systemPage(deps, viewer));
}
