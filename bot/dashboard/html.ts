// Server-rendered HTML for the dashboard. Every interpolated value is escaped unless it is already SafeHtml (built
// by this same template), so nothing a person typed (a reason, a summary, a ticket title) is ever rendered raw.
import type { HttpResponse } from '../http/server.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** html`<p>${text}</p>`: values are escaped; arrays of SafeHtml are joined. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Markup too long for one source line, cut like a long string: the pieces joined as they are, with nothing between
 * them. Only SafeHtml pieces (each built by html``), so a cut never lets an unescaped value through.
 */
export function concatHtml(...pieces: readonly SafeHtml[]): SafeHtml {
  return new SafeHtml(pieces.map((piece) => piece.value).join(''));
}

/** The session's CSRF token, carried by every form that changes something (guard.ts checks it). */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${token}">`;

/** One term of a description list (`<dl>`) with its description. */
export const term = (name: string, value: unknown): SafeHtml => html`<dt>${name}</dt><dd>${value}</dd>`;

/** A table's header row: one column heading per label. */
export function tableHead(...labels: readonly string[]): SafeHtml {
  return html`<thead><tr>${labels.map((label) => html`<th scope="col">${label}</th>`)}</tr></thead>`;
}

/** The strict policy: scripts and styles only from Void's own static files, nothing inline, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(secure: boolean): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'cache-control': 'no-store',
    ...(secure ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

export interface NavContext {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly memberName: string;
  readonly roles: readonly string[];
  readonly csrf: string;
  readonly current: string;
}

const NAV: ReadonlyArray<[string, string]> = [
  ['inbox', 'Approvals'],
  ['jobs', 'Jobs'],
  ['audit', 'Audit'],
  ['compliance', 'Compliance'],
  ['tenant', 'Tenant'],
  ['system', 'System'],
];

function nav(ctx: NavContext): SafeHtml {
  const current = (path: string) => (ctx.current === path ? new SafeHtml(' aria-current="page"') : '');
  const links = NAV.map(
    ([path, label]) => html`<li><a href="/dashboard/t/${ctx.tenantId}/${path}"${current(path)}>${label}</a></li>`,
  );
  const brand = html`<span class="brand">Void · ${ctx.tenantName}</span>`;
  return html`<header class="top"><nav aria-label="Dashboard">${brand}<ul>${links}</ul></nav>
<form method="post" action="/dashboard/signout" class="who"><span>${ctx.memberName} (${ctx.roles.join(', ')})</span>
${csrfField(ctx.csrf)}<button type="submit">Sign out</button>
<button type="submit" formaction="/dashboard/signout-everywhere">Sign out everywhere</button></form></header>`;
}

/** Void's own stylesheet and script, the only ones the policy above lets a page load. */
const STYLESHEET = html`<link rel="stylesheet" href="/dashboard/static/app.css">`;
const SCRIPT = html`<script src="/dashboard/static/app.js" defer></script>`;
/** The header of a page seen signed out: no navigation, nobody named. */
const SIGNED_OUT_HEADER = html`<header class="top"><span class="brand">Void</span></header>`;

export function page(title: string, body: SafeHtml, ctx?: NavContext): string {
  const header = ctx ? nav(ctx) : SIGNED_OUT_HEADER;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Void</title>${STYLESHEET}${SCRIPT}</head>
<body>${header}<main id="main"><h1>${title}</h1>${body}</main></body></html>`.value;
}

export function htmlResponse(
  status: number,
  body: string,
  secure: boolean,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...securityHeaders(secure), ...headers },
    body,
  };
}
