// The approvals inbox: requests the viewer may decide, the viewer's own requests, and one request in full. Every
// decision goes through the approvals service, the same one chat buttons use: refusals are word for word the same.
import type { ApprovalCard, ApprovalDecisionView } from '../../core/approvals.port.js';
import type { HttpServer } from '../../http/server.js';
import { notFound, view, type DashboardDeps, type Viewer } from '../context.js';
import { tenantRoute } from '../guard.js';
import { concatHtml, csrfField, html, term, type SafeHtml } from '../html.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function decision(d: ApprovalDecisionView): SafeHtml {
  const decided = d.decision === 'approve' ? 'approved' : 'rejected';
  const reason = d.reason ? html`: “${d.reason}”` : '';
  return html`<li>${d.name} ${decided} via ${d.platform} at <time datetime="${d.at}">${d.at}</time>${reason}</li>`;
}

function decisions(card: ApprovalCard): SafeHtml {
  if (!card.decisions.length) return html`<p>No decisions yet.</p>`;
  return html`<ul class="decisions">${card.decisions.map((d) => decision(d))}</ul>`;
}

/** Why this viewer can or cannot decide, in words (the service has the final say when they try). */
function standing(card: ApprovalCard, viewer: Viewer): string {
  if (card.state !== 'pending') return `This request is ${card.state}; nothing more can be decided.`;
  if (card.requester.memberId === viewer.member.id)
    return 'You asked for this: someone else must decide it (separation of duties).';
  if (card.decisions.some((d) => d.memberId === viewer.member.id))
    return 'You have decided on this already; one person counts once.';
  if (card.eligibleApprovers.some((a) => a.memberId === viewer.member.id))
    return `Your roles (${viewer.member.roles.join(', ')}) can fill what remains: ${card.remaining}.`;
  return `It needs ${card.remaining}; your roles (${viewer.member.roles.join(', ')}) do not fit what remains.`;
}

/** Approve or reject, with an optional reason; posted to `${base}/decide`. */
function decideForm(card: ApprovalCard, viewer: Viewer, base: string): SafeHtml {
  const reason = concatHtml(
    html`<label for="reason-${card.id}">Reason (optional for approve)</label>`,
    html`<textarea id="reason-${card.id}" name="reason" maxlength="500" rows="2"></textarea>`,
  );
  const button = (value: string, label: string) =>
    html`<button type="submit" name="decision" value="${value}">${label}</button>`;
  return html`<form method="post" action="${base}/decide" class="decide">${csrfField(viewer.session.csrf)}
${reason}
${button('approve', 'Approve')} ${button('reject', 'Reject')}</form>`;
}

export function cardHtml(card: ApprovalCard, viewer: Viewer, withForm: boolean): SafeHtml {
  const base = `/dashboard/t/${viewer.tenant.id}/approvals/${card.id}`;
  const form = withForm && card.state === 'pending' ? decideForm(card, viewer, base) : '';
  const title = html`<h3 id="h-${card.id}"><a href="${base}">${card.summary}</a></h3>`;
  const request = html`<code>${card.id}</code> (${card.state})`;
  const willRun = card.targetDigest
    ? html`pinned to <code>${card.targetDigest}</code>`
    : 'the command as written (nothing to pin)';
  const expires = html`<time datetime="${card.expiresAt}">${card.expiresAt}</time>`;
  return html`<article class="card state-${card.state}" aria-labelledby="h-${card.id}">${title}
<dl>${term('Request', request)}${term('Requested by', card.requester.name)}${term('Rule', card.rule)}
${term('What will run', willRun)}
${term('Still needed', card.remaining || '—')}${term('Expires', expires)}</dl>
${decisions(card)}<p class="standing">${standing(card, viewer)}</p>${form}</article>`;
}

/** The inbox as the page's script keeps it up to date (the `inbox` topic of the event stream). */
function liveInbox(tenantId: string, body: SafeHtml): SafeHtml {
  const stream = html`data-stream="/dashboard/t/${tenantId}/events?topic=inbox"`;
  return html`<div id="inbox" data-live="inbox" ${stream}>${body}</div>`;
}

/** The viewer's own request ids, read from their `approval.requested` audit records; a live stream keeps one and
 *  reads only the records appended since its last look. */
export class OwnRequests {
  private afterSeq = 0;
  private readonly ids: string[] = [];

  async refresh(deps: DashboardDeps, viewer: Viewer): Promise<readonly string[]> {
    for (;;) {
      const page = await deps.audit.store.query(
        viewer.tenant.id,
        { actor: viewer.member.id, action: 'approval.requested' },
        this.afterSeq,
        500,
      );
      for (const r of page) if (r.target && !this.ids.includes(r.target)) this.ids.push(r.target);
      this.afterSeq = page[page.length - 1]?.seq ?? this.afterSeq;
      if (page.length < 500) break;
    }
    if (this.ids.length > 50) this.ids.splice(0, this.ids.length - 50);
    return this.ids;
  }
}

async function ownRequests(deps: DashboardDeps, viewer: Viewer, own: OwnRequests): Promise<ApprovalCard[]> {
  const approvals = deps.approvals();
  if (!approvals) return [];
  const ids = await own.refresh(deps, viewer);
  const cards = await Promise.all(ids.map((id) => approvals.get(viewer.tenant.id, id)));
  return cards.filter((c): c is ApprovalCard => c !== undefined && c.state === 'pending').reverse();
}

export async function inboxBody(deps: DashboardDeps, viewer: Viewer, own = new OwnRequests()): Promise<SafeHtml> {
  const approvals = deps.approvals();
  if (!approvals) return html`<p>The approvals module is not enabled in this deployment.</p>`;
  const [mine, theirs] = await Promise.all([
    ownRequests(deps, viewer, own),
    approvals.pendingFor(viewer.tenant.id, viewer.member.id),
  ]);
  return html`<section aria-labelledby="for-you"><h2 id="for-you">Waiting for your decision (${theirs.length})</h2>
${theirs.length ? theirs.map((c) => cardHtml(c, viewer, true)) : html`<p>Nothing is waiting for you.</p>`}</section>
<section aria-labelledby="yours"><h2 id="yours">Your pending requests (${mine.length})</h2>
${mine.length ? mine.map((c) => cardHtml(c, viewer, false)) : html`<p>You have no pending requests.</p>`}</section>`;
}

export function registerInbox(http: HttpServer, deps: DashboardDeps): void {
  tenantRoute(http, deps, 'GET', '/inbox', async (_req, viewer) =>
    view(deps, viewer, 'inbox', 'Approvals', liveInbox(viewer.tenant.id, await inboxBody(deps, viewer))),
  );
  tenantRoute(http, deps, 'GET', '/inbox/fragment', async (_req, viewer) => ({
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: (await inboxBody(deps, viewer)).value,
  }));
  tenantRoute(http, deps, 'GET', '/approvals/:id', async (req, viewer) => {
    const id = req.params.id ?? '';
    const card = ID.test(id) ? await deps.approvals()?.get(viewer.tenant.id, id) : undefined;
    if (!card) return notFound(deps, viewer);
    return view(deps, viewer, 'inbox', `Request ${card.id}`, cardHtml(card, viewer, true));
  });
  tenantRoute(http, deps, 'POST', '/approvals/:id/decide', async (req, viewer, form) => {
    const id = req.params.id ?? '';
    const approvals = deps.approvals();
    const decision = form.get('decision');
    if (!approvals || !ID.test(id) || !(await approvals.get(viewer.tenant.id, id))) return notFound(deps, viewer);
    if (decision !== 'approve' && decision !== 'reject')
      return view(deps, viewer, 'inbox', 'Nothing decided', html`<p role="alert">Choose Approve or Reject.</p>`, 400);
    const reason = form.get('reason')?.trim().slice(0, 500) || undefined;
    const outcome = await approvals.decide({
      tenantId: viewer.tenant.id,
      approvalId: id,
      actor: viewer.actor,
      decision,
      reason,
      correlationId: `web-${viewer.session.id}-${Date.now().toString(36)}`,
    });
    const back = html`<p><a href="/dashboard/t/${viewer.tenant.id}/inbox">Back to the inbox</a></p>`;
    if (!outcome.ok)
      return view(
        deps,
        viewer,
        'inbox',
        'Refused',
        html`<p role="alert" class="refusal" data-code="${outcome.refusal.code}">${outcome.refusal.message}</p>${back}`,
        403,
      );
    return view(
      deps,
      viewer,
      'inbox',
      'Decided',
      html`<p role="status" class="done">${outcome.message}</p>${cardHtml(outcome.card, viewer, false)}${back}`,
    );
  });
}
