// What every dashboard route shares: the stores and services it uses, the signed-in viewer, and the small helpers
// that turn refusals into pages (never a 500 for bad input).
import type { JobQueue } from '../../agents/queue.js';
import type { AuditTrail } from '../../audit/trail.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import type { Env } from '../config/env.js';
import type { ApprovalsPort } from '../core/approvals.port.js';
import type { TenantRegistry } from '../core/registry.js';
import type { Command } from '../core/grammar.js';
import type { Actor, Member, Reply, Tenant } from '../core/types.js';
import type { HttpRequest, HttpResponse } from '../http/server.js';
import type { PlatformHealth } from '../core/health.js';
import { html, htmlResponse, page, type NavContext, type SafeHtml } from './html.js';
import type { OidcSignIn } from './oidc.js';
import { sameSecret, type Session, type SessionStore } from './sessions.js';

export const COOKIE = 'void_session';

export interface DashboardDeps {
  readonly env: Env;
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly queue: JobQueue;
  readonly sessions: SessionStore;
  readonly oidc: OidcSignIn;
  readonly approvals: () => ApprovalsPort | undefined;
  /** Today's model spend of a tenant (agents/llm budget counters in Redis). */
  readonly modelSpend: (tenantId: string) => Promise<{ tokens: number; costUsd: number }>;
  /** The platform credential checks, as /readyz shows them (e.g. Teams' app password refused). */
  readonly platformHealth: () => Promise<Record<string, PlatformHealth>>;
  /**
   * Runs a chat command's own runner for the viewer (the `ack` of break-glass follow-ups): same code, same refusals.
   */
  readonly runCommand: (viewer: Viewer, command: Command) => Promise<Reply[]>;
  /** Milliseconds between two looks at the jobs for the live stream. */
  readonly pollMs: number;
}

export interface Viewer {
  readonly session: Session;
  readonly tenant: Tenant;
  readonly member: Member;
  readonly actor: Actor;
  readonly secret: string;
}

export const secureCookies = (deps: DashboardDeps): boolean => (deps.env.VOID_DASHBOARD_URL ?? '').startsWith('https:');

export function readCookie(req: HttpRequest, name = COOKIE): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** HttpOnly; Secure; SameSite=Lax always (browsers accept Secure cookies from http://localhost and 127.0.0.1). */
export function sessionCookie(secret: string, maxAgeSeconds: number): string {
  return `${COOKIE}=${secret}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export const clearCookie = (): string => `${COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;

export function webActor(tenant: Tenant, member: Member, session: Session): Actor {
  return {
    tenantId: tenant.id,
    memberId: member.id,
    name: member.name,
    roles: member.roles,
    platform: 'web',
    platformUserId: session.id,
  };
}

export function navOf(viewer: Viewer, current: string): NavContext {
  return {
    tenantId: viewer.tenant.id,
    tenantName: viewer.tenant.name,
    memberName: viewer.member.name,
    roles: viewer.member.roles,
    csrf: viewer.session.csrf,
    current,
  };
}

export function view(
  deps: DashboardDeps,
  viewer: Viewer,
  current: string,
  title: string,
  body: SafeHtml,
  status = 200,
): HttpResponse {
  return htmlResponse(status, page(title, body, navOf(viewer, current)), secureCookies(deps));
}

export function notFound(deps: DashboardDeps, viewer?: Viewer): HttpResponse {
  const body = html`<p>There is nothing here. It may never have existed, or it belongs to another organisation.</p>`;
  return viewer
    ? view(deps, viewer, '', 'Not found', body, 404)
    : htmlResponse(404, page('Not found', body), secureCookies(deps));
}

export function forbidden(deps: DashboardDeps, viewer: Viewer, why: string): HttpResponse {
  return view(deps, viewer, '', 'Not allowed', html`<p role="alert">${why}</p>`, 403);
}

/** Reads an urlencoded form body; anything else reads as empty (and so fails the CSRF check). */
export function formOf(req: HttpRequest): URLSearchParams {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  return type === 'application/x-www-form-urlencoded'
    ? new URLSearchParams(req.body.toString('utf8'))
    : new URLSearchParams();
}

export function csrfOk(viewer: Viewer, form: URLSearchParams): boolean {
  const sent = form.get('_csrf');
  return typeof sent === 'string' && sameSecret(sent, viewer.session.csrf);
}

/** Who a sign-in attempt comes from, for its rate limit (the proxy's forwarded address, else one shared bucket). */
export function clientOf(req: HttpRequest): string {
  const forwarded = req.headers['x-forwarded-for'];
  return (typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined) || 'direct';
}

export async function recordRefusal(
  deps: DashboardDeps,
  tenantId: string | undefined,
  action: 'security.session_refused' | 'security.sign_in_refused' | 'security.csrf_refused',
  code: string,
  req: HttpRequest,
  actor?: Actor,
): Promise<void> {
  await deps.audit.append({
    tenantId: tenantId ?? SYSTEM_TENANT,
    action,
    actor: actor
      ? { memberId: actor.memberId, platform: 'web', platformUserId: actor.platformUserId }
      : { platform: 'web' },
    target: req.path.replace(/\/login\/[^/]*/, '/login/…').slice(0, 200),
    outcome: 'denied',
    details: { code },
    correlationId: `web-${Date.now().toString(36)}`,
  });
}
