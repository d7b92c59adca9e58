// Jobs: the tenant's recent jobs with live progress (a Server-Sent Events stream the page's script listens to; the
// page works without it and a reload shows the same), filters, links to the PR or ticket, and retry of a failed job.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobSummary } from '../../../agents/queue.js';
import { auditActorOf } from '../../../audit/types.js';
import type { HttpRequest, HttpResponse, HttpServer } from '../../http/server.js';
import type { Tenant } from '../../core/types.js';
import { forbidden, notFound, view, type DashboardDeps, type Viewer } from '../context.js';
import { hasRole, tenantRoute } from '../guard.js';
import { concatHtml, csrfField, html, tableHead, type SafeHtml } from '../html.js';
import { inboxBody, OwnRequests } from './inbox.js';

const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
const HEARTBEAT_MS = 15_000;
const STREAM_MAX_MS = 5 * 60_000;

interface Filters {
  readonly state?: string | undefined;
  readonly kind?: string | undefined;
}

function filtersOf(query: URLSearchParams): Filters {
  const state = query.get('state') ?? '';
  const kind = query.get('kind') ?? '';
  return {
    state: (STATES as readonly string[]).includes(state) ? state : undefined,
    kind: /^[a-z]{1,20}$/.test(kind) ? kind : undefined,
  };
}

/** Where the work happens: the pull request or the ticket; a chat thread has no public URL. */
async function linkOf(deps: DashboardDeps, tenant: Tenant, jobId: string): Promise<SafeHtml> {
  const job = await deps.queue.getForTenant(tenant.id, jobId);
  const command = job?.data.command;
  if (command?.name === 'review' && 'ref' in command) return html`local revision ${command.ref}`;
  if (command?.name === 'review') {
    const repo = html`${command.repo.owner}/${command.repo.name}`;
    return html`<a href="https://github.com/${repo}/pull/${command.number}">${repo}#${command.number}</a>`;
  }
  if ((command?.name === 'implement' || command?.name === 'triage') && tenant.bindings.jira) {
    const site = tenant.bindings.jira.siteUrl.replace(/\/+$/, '');
    return html`<a href="${site}/browse/${command.ticket}">${command.ticket}</a>`;
  }
  const thread = job?.data.thread;
  return thread ? html`${thread.platform} ${thread.channel}` : html`—`;
}

function progressOf(job: JobSummary): SafeHtml {
  const p = job.progress as { step?: unknown; fraction?: unknown; waiting?: unknown } | undefined;
  if (p && typeof p.fraction === 'number') {
    const percent = Math.round(p.fraction * 100);
    const bar = html`<progress max="100" value="${percent}" aria-label="progress of ${job.id}"></progress>`;
    return html`${bar} ${typeof p.step === 'string' ? p.step : ''}`;
  }
  if (p && p.waiting) return html`waiting for a free slot`;
  return html`${job.state === 'completed' ? 'done' : '—'}`;
}

function retryForm(viewer: Viewer, job: JobSummary): SafeHtml {
  return concatHtml(
    html`<form method="post" action="/dashboard/t/${viewer.tenant.id}/jobs/${job.id}/retry">`,
    html`${csrfField(viewer.session.csrf)}<button type="submit">Retry</button></form>`,
  );
}

/** One job: what it is, where it stands, where it works, and retry when it failed and the viewer may retry it. */
function row(viewer: Viewer, j: JobSummary, link: SafeHtml | undefined): SafeHtml {
  const action = j.state === 'failed' && mayRetry(viewer, j) ? retryForm(viewer, j) : (j.failedReason ?? '');
  const cells = concatHtml(
    html`<td><code>${j.id}</code></td><td>${j.kind}</td><td class="state">${j.state}</td>`,
    html`<td class="progress">${progressOf(j)}</td><td>${j.requester}</td><td>${link ?? '—'}</td>`,
  );
  return html`<tr id="job-${j.id}" data-state="${j.state}">${cells}
<td>${action}</td></tr>`;
}

function rows(
  deps: DashboardDeps,
  viewer: Viewer,
  jobs: readonly JobSummary[],
  links: ReadonlyMap<string, SafeHtml>,
): SafeHtml {
  if (!jobs.length) return html`<tr><td colspan="7">No jobs match.</td></tr>`;
  return html`${jobs.map((j) => row(viewer, j, links.get(j.id)))}`;
}

const mayRetry = (viewer: Viewer, job: JobSummary): boolean =>
  job.requester === viewer.member.id || hasRole(viewer, 'admin', 'devops');

async function loadJobs(
  deps: DashboardDeps,
  viewer: Viewer,
  filters: Filters,
  links: Map<string, SafeHtml>,
): Promise<JobSummary[]> {
  const jobs = (await deps.queue.recent(viewer.tenant.id, 50)).filter(
    (j) => (!filters.state || j.state === filters.state) && (!filters.kind || j.kind === filters.kind),
  );
  await Promise.all(
    jobs.filter((j) => !links.has(j.id)).map(async (j) => links.set(j.id, await linkOf(deps, viewer.tenant, j.id))),
  );
  return jobs;
}

function filterForm(filters: Filters): SafeHtml {
  const options = STATES.map((s) => html`<option${s === filters.state ? html` selected` : ''}>${s}</option>`);
  const state = concatHtml(
    html`<label for="state">State</label> <select id="state" name="state">`,
    html`<option value="">any</option>${options}</select>`,
  );
  const kind = html`<input id="kind" name="kind" value="${filters.kind ?? ''}" size="10">`;
  return html`<form method="get" class="filters">${state}
<label for="kind">Kind</label> ${kind} <button type="submit">Filter</button></form>`;
}

async function jobsPage(deps: DashboardDeps, req: HttpRequest, viewer: Viewer): Promise<HttpResponse> {
  const filters = filtersOf(req.query);
  const links = new Map<string, SafeHtml>();
  const jobs = await loadJobs(deps, viewer, filters, links);
  const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as Array<[string, string]>).toString();
  const head = tableHead('Job', 'Kind', 'State', 'Progress', 'Requester', 'Where', 'Action');
  // The live stream follows the same filters as the page.
  const stream = html`data-stream="/dashboard/t/${viewer.tenant.id}/events?topic=jobs${qs ? `&${qs}` : ''}"`;
  const body = html`${filterForm(filters)}
<p class="live" id="live-status" role="status">Updates arrive live; <a href="">reload</a> if they stop.</p>
<table><caption>Recent jobs of ${viewer.tenant.name}</caption>${head}
<tbody id="jobs" data-live="jobs" ${stream}>${rows(deps, viewer, jobs, links)}</tbody></table>`;
  return view(deps, viewer, 'jobs', 'Jobs', body);
}

/** One line of an event stream: the payload's new lines are folded (HTML needs none). */
const event = (name: string, data: string): string => `event: ${name}\ndata: ${data.replace(/[\r\n]+/g, ' ')}\n\n`;

/** The live stream of one page (`topic` jobs or inbox): its new contents whenever they change, looked at every
 *  `pollMs`. Each stream reads only what its page shows (the inbox reads only audit records new since its last
 *  look). */
async function* stream(deps: DashboardDeps, req: HttpRequest, viewer: Viewer): AsyncGenerator<string> {
  const topic = req.query.get('topic') === 'inbox' ? 'inbox' : 'jobs';
  const filters = filtersOf(req.query);
  const links = new Map<string, SafeHtml>();
  const own = new OwnRequests();
  const started = Date.now();
  let last = '';
  let lastBeat = Date.now();
  yield `retry: 1000\n\n`;
  while (!req.signal?.aborted && Date.now() - started < STREAM_MAX_MS) {
    const markup =
      topic === 'jobs'
        ? rows(deps, viewer, await loadJobs(deps, viewer, filters, links), links).value
        : (await inboxBody(deps, viewer, own)).value;
    if (markup !== last || Date.now() - lastBeat > HEARTBEAT_MS) {
      lastBeat = Date.now();
      yield markup !== last ? event(topic, (last = markup)) : ': keep-alive\n\n';
    }
    await sleep(deps.pollMs, undefined, { signal: req.signal }).catch(() => undefined);
  }
}

export function registerJobs(http: HttpServer, deps: DashboardDeps): void {
  tenantRoute(http, deps, 'GET', '/jobs', (req, viewer) => jobsPage(deps, req, viewer));
  tenantRoute(http, deps, 'GET', '/events', (req, viewer) => ({
    status: 200,
    // connection: close: when the stream ends (server stopping), the socket goes too instead of idling in keep-alive.
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'close',
    },
    body: stream(deps, req, viewer),
  }));
  tenantRoute(http, deps, 'POST', '/jobs/:id/retry', async (req, viewer) => {
    const job = await deps.queue.getForTenant(viewer.tenant.id, req.params.id ?? '');
    if (!job?.id) return notFound(deps, viewer);
    const summary = await deps.queue.summary(viewer.tenant.id, job.id);
    if (!summary || !mayRetry(viewer, summary))
      return forbidden(deps, viewer, 'Only the person who asked for this job, devops and admins can retry it.');
    if (summary.state !== 'failed')
      return view(
        deps,
        viewer,
        'jobs',
        'Not retried',
        html`<p role="alert">Job ${job.id} is ${summary.state}; only a failed job can be retried.</p>`,
        409,
      );
    await deps.audit.append({
      tenantId: viewer.tenant.id,
      action: 'job.queued',
      actor: auditActorOf(viewer.actor),
      target: job.id,
      outcome: 'success',
      details: { jobId: job.id, kind: summary.kind, retry: true, approvalId: job.data.approvalId },
      correlationId: job.data.correlationId,
    });
    await job.retry('failed');
    return { status: 303, headers: { location: `/dashboard/t/${viewer.tenant.id}/jobs` } };
  });
}
