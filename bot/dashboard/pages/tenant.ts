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
import { concatHtml, csrfField, html, tableHead, term, type SafeHtml } from '../html.js';
import { readers } from './audit.js';

function explainForm(viewer: Viewer, text: string, answer?: string): SafeHtml {
  const input = concatHtml(
    html`<input id="explain" name="explain" value="${text}" `,
    html`placeholder="deploy payments to production" size="40">`,
  );
  const form = concatHtml(
    html`<form method="get" class="filters"><label for="explain">Explain a command</label> ${input} `,
    html`<button type="submit">Explain</button></form>`,
  );
  const shown = answer ? html`<pre class="explain" role="status">${answer}</pre>` : '';
  return html`${form}
${shown}`;
}

const section = (id: string, title: string, content: SafeHtml): SafeHtml =>
  html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${content}</section>`;

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
  const membersTable = html`<table>${tableHead('Name', 'Id', 'Roles', 'Linked')}<tbody>${members}</tbody></table>`;
  const defaultRule = html`<p>Default for actions no rule covers: ${policies.default}.</p>`;
  const explained = explainForm(viewer, text, explain(viewer, text));
  const body = html`${section('members', 'Members', membersTable)}
${section('policies', 'Policies', html`${defaultRule}<ul>${rules}</ul>${explained}`)}
<p>This page is read-only: the tenants file is the configuration.</p>`;
  return view(deps, viewer, 'tenant', t.name, body);
}

/** A member's name from their id (the id itself when the tenants file no longer has them). */
type Who = (id: string | undefined) => string;

/** Compliance officers acknowledge a break-glass use from the evidence page (the `ack` command, as in chat). */
function acknowledgeForm(viewer: Viewer, approvalId: string): SafeHtml {
  return concatHtml(
    html`<form method="post" action="/dashboard/t/${viewer.tenant.id}/compliance/ack">`,
    html`${csrfField(viewer.session.csrf)}<input type="hidden" name="followUp" value="${followUpIdFor(approvalId)}">`,
    html`<button type="submit">Acknowledge</button></form>`,
  );
}

function breakGlassCell(viewer: Viewer, e: ApprovalEvidence, who: Who): SafeHtml {
  if (!e.breakGlass) return html`—`;
  if (e.acknowledgement) return html`by ${who(e.breakGlass.by)}; acknowledged by ${who(e.acknowledgement.by)}`;
  const form = hasRole(viewer, 'compliance_officer') ? acknowledgeForm(viewer, e.approvalId) : '';
  return html`by ${who(e.breakGlass.by)}; <strong>not acknowledged</strong>${form}`;
}

function evidenceRow(viewer: Viewer, e: ApprovalEvidence, who: Who): SafeHtml {
  const approvers = e.approvers.map(who).join(', ') || '—';
  const refusals = e.denials.map((d) => `${who(d.by)}: ${d.code}`).join('; ') || '—';
  const job = e.job ? `${e.job.outcome}` : 'not run';
  const request = concatHtml(
    html`<td><code>${e.approvalId}</code></td><td>${e.summary ?? ''}</td><td>${who(e.requester)}</td>`,
    html`<td>${e.rule ?? ''}</td><td>${approvers}</td><td>${e.state}</td>`,
  );
  return html`<tr>${request}
<td>${breakGlassCell(viewer, e, who)}</td><td>${refusals}</td><td>${job}</td></tr>`;
}

const EVIDENCE_COLUMNS = [
  'Request',
  'What',
  'Requester',
  'Rule',
  'Approvers',
  'State',
  'Break-glass',
  'Refusals',
  'Job',
];

function periodForm(query: URLSearchParams): SafeHtml {
  const field = (name: string, label: string) =>
    concatHtml(
      html`<label for="${name}">${label}</label> `,
      html`<input id="${name}" name="${name}" value="${query.get(name) ?? ''}" placeholder="YYYY-MM-DD" size="10">`,
    );
  const fields = html`${field('from', 'From')} ${field('until', 'Until')}`;
  return html`<form method="get" class="filters">${fields} <button type="submit">Show</button></form>`;
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
  const who: Who = (id) => (id ? (names.get(id) ?? id) : '—');
  const rows = evidence.map((e) => evidenceRow(viewer, e, who));
  const selfRefusals = evidence.reduce(
    (n, e) => n + e.denials.filter((d) => d.code === 'approval.self_approval').length,
    0,
  );
  const chain = verify.ok
    ? `verified (${verify.checked} records, head ${verify.head?.seq ?? 0})`
    : `BROKEN at record ${verify.firstBreak?.seq ?? '?'}`;
  const approved = evidence.filter((e) => e.state === 'approved').length;
  const breakGlassUses = evidence.filter((e) => e.breakGlass).length;
  const summary = concatHtml(
    html`<p>Chain: ${chain}. Approved: ${approved}. Break-glass uses: ${breakGlassUses}. `,
    html`Refused self-approvals: ${selfRefusals}.</p>`,
  );
  const period = html`${from ? `from ${from.slice(0, 10)}` : ''} ${until ? `until ${until.slice(0, 10)}` : ''}`;
  const head = tableHead(...EVIDENCE_COLUMNS);
  const body = html`${periodForm(query)}
${summary}
<table><caption>Approval-gated requests ${period}</caption>${head}<tbody>${rows}</tbody></table>`;
  return view(deps, viewer, 'compliance', 'Compliance evidence', body);
}

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  slack: 'Slack',
  teams: 'Microsoft Teams',
  github: 'GitHub',
  jira: 'JIRA',
};

/** A platform's credential check: failing (with why, since when, what is lost), ok, not checked yet, or none. */
function healthCell(h: PlatformHealth | undefined): SafeHtml {
  if (!h) return html`<td>connected (no credential check for this platform)</td>`;
  if (h.status === 'failing') {
    const reason = h.reason ? ` (${h.reason})` : '';
    const since = h.since ? html` since <time datetime="${h.since}">${h.since}</time>` : '';
    const lost = h.message ?? 'replies there are lost';
    return html`<td class="refusal" data-status="failing">failing${reason}${since}: ${lost}</td>`;
  }
  const lastSuccess = h.lastSuccessAt
    ? html`, last success <time datetime="${h.lastSuccessAt}">${h.lastSuccessAt}</time>`
    : '';
  return html`<td data-status="${h.status}">${h.status === 'ok' ? 'ok' : 'not checked yet'}${lastSuccess}</td>`;
}

/**
 * The tenant's bound platforms with their credential check (the same one /readyz shows); a failure says what to fix.
 */
function connectionsTable(viewer: Viewer, health: Record<string, PlatformHealth>) {
  const bound = Object.keys(PLATFORM_NAMES).filter(
    (p) => viewer.tenant.bindings[p as keyof typeof viewer.tenant.bindings],
  );
  const rows = bound.map(
    (p) => html`<tr data-platform="${p}"><th scope="row">${PLATFORM_NAMES[p]}</th>${healthCell(health[p])}</tr>`,
  );
  const none = html`<tr><td colspan="2">No platform is bound to this organisation.</td></tr>`;
  const head = tableHead('Platform', 'State');
  return html`<table><caption>Platform connections</caption>${head}<tbody>${rows.length ? rows : none}</tbody></table>`;
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
  // "3 waiting, 1 active, …": the queue's counts, then this tenant's among its recent jobs.
  const queue = (['waiting', 'active', 'delayed', 'failed'] as const).map((s) => `${counts[s] ?? 0} ${s}`).join(', ');
  const ownJobs = (['active', 'waiting', 'failed'] as const).map((s) => `${mine(s)} ${s}`).join(', ');
  const tokens = budgets.dailyTokens ? ` of ${budgets.dailyTokens}` : ' (no token budget)';
  const cost = budgets.dailyCostUsd ? ` of $${budgets.dailyCostUsd.toFixed(2)}` : ' (no cost budget)';
  const spent = html`${spend.tokens} tokens${tokens}; $${spend.costUsd.toFixed(2)}${cost}`;
  const body = html`<dl>${term('Workers connected', workers)}${term('Queue (all tenants)', queue)}
<dt>This tenant's recent jobs</dt><dd>${ownJobs} of the last ${recent.length}</dd>
${term('Model spend today (UTC)', spent)}</dl>
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
    const [role, kind] = refused ? ['alert', 'refusal'] : ['status', 'done'];
    const answer = html`<p role="${role}" class="${kind}">${reply?.text ?? ''}</p>`;
    const back = html`<p><a href="/dashboard/t/${viewer.tenant.id}/compliance">Back to the evidence</a></p>`;
    const title = refused ? 'Refused' : 'Acknowledged';
    return view(deps, viewer, 'compliance', title, html`${answer}${back}`, refused ? 403 : 200);
  });
  tenantRoute(http, deps, 'GET', '/system', (_req, viewer) => systemPage(deps, viewer));
}
