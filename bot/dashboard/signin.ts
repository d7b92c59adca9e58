// Signing in and out: the sign-in page, chat links (`login` in any chat → a single-use link), OpenID Connect, and
// the guard that every tenant page goes through. A missing session shows the sign-in page; a forged, expired or
// revoked one shows it too and is recorded in the audit trail.
import type { HttpRequest, HttpResponse, HttpServer } from '../http/server.js';
import { auditActorOf } from '../../audit/types.js';
import {
  clearCookie,
  clientOf,
  csrfOk,
  formOf,
  readCookie,
  recordRefusal,
  secureCookies,
  sessionCookie,
  webActor,
  type DashboardDeps,
  type Viewer,
} from './context.js';
import { concatHtml, html, htmlResponse, page, type SafeHtml } from './html.js';
import { CALLBACK_PATH } from './oidc.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Signing in with a link from chat: nothing to fill in here, the `login` command sends the link. */
const CHAT_SIGN_IN = concatHtml(
  html`<section aria-labelledby="chat"><h2 id="chat">With a link from chat</h2><p>Say <code>login</code> to Void `,
  html`in Slack, Teams or the console: it answers you privately with a link that signs you in once, within five `,
  html`minutes.</p></section>`,
);

/** Single sign-on starts from the organisation's id (the tenant id of the tenants file). */
function organisationForm(tenantId: string | undefined): SafeHtml {
  return concatHtml(
    html`<form method="get" action="/dashboard/signin"><label for="tenant">Organisation id</label> `,
    html`<input id="tenant" name="tenant" autocomplete="organization" value="${tenantId ?? ''}" required `,
    html`pattern="[a-z0-9][a-z0-9_-]{0,62}"> <button type="submit">Continue</button></form>`,
  );
}

/** A sign-out form whose CSRF token is missing or wrong: nothing was done. */
const NOT_FROM_YOUR_PAGE = concatHtml(
  html`<p role="alert">This form was not sent from your dashboard page (its security token is missing or wrong), `,
  html`so nothing was done.</p>`,
);

function signInPage(
  deps: DashboardDeps,
  status: number,
  notice?: string,
  tenantId?: string,
  extra?: SafeHtml,
  clear = status === 401,
): HttpResponse {
  const alert = notice ? html`<p role="alert" class="notice">${notice}</p>` : '';
  const body = html`${alert}
${CHAT_SIGN_IN}
<section aria-labelledby="sso"><h2 id="sso">With your company's single sign-on</h2>
${organisationForm(tenantId)}${extra ?? ''}</section>`;
  return htmlResponse(
    status,
    page('Sign in to Void', body),
    secureCookies(deps),
    clear ? { 'set-cookie': clearCookie() } : {},
  );
}

async function signInRoute(deps: DashboardDeps, req: HttpRequest): Promise<HttpResponse> {
  const tenantId = req.query.get('tenant')?.trim().toLowerCase();
  if (!tenantId) return signInPage(deps, 200);
  const tenant = ID.test(tenantId) ? deps.registry.get(tenantId) : undefined;
  // Unknown organisations and those without SSO read the same: the page tells nobody which tenants exist.
  if (!tenant || !deps.oidc.settingsOf(tenant))
    return signInPage(
      deps,
      200,
      'Single sign-on is not set up for that organisation here. Use a link from chat instead.',
      tenantId,
    );
  const link = concatHtml(
    html`<p><a class="button" href="/dashboard/oidc/start?tenant=${tenant.id}">`,
    html`Sign in to ${tenant.name} with single sign-on</a></p>`,
  );
  return signInPage(deps, 200, undefined, tenantId, link);
}

/** Sign-in attempts are counted per client address: past the limit, 429 for the rest of the minute. */
async function tooMany(deps: DashboardDeps, req: HttpRequest): Promise<HttpResponse | undefined> {
  if (await deps.sessions.allowSignIn(clientOf(req), deps.env.VOID_DASHBOARD_SIGNIN_PER_MINUTE)) return undefined;
  return htmlResponse(
    429,
    page('Too many attempts', html`<p role="alert">Too many sign-in attempts; wait a minute.</p>`),
    secureCookies(deps),
    { 'retry-after': '60' },
  );
}

/** Issues the session cookie (a new id each time: any earlier session of this browser is ended) and records it. */
async function signIn(
  deps: DashboardDeps,
  req: HttpRequest,
  tenantId: string,
  memberId: string,
  via: 'link' | 'oidc',
  details: Record<string, unknown>,
): Promise<HttpResponse> {
  const old = readCookie(req);
  if (old) await deps.sessions.destroy(old);
  const { secret, session } = await deps.sessions.create(tenantId, memberId, via);
  await deps.audit.append({
    tenantId,
    action: 'security.signed_in',
    actor: { memberId, platform: 'web', platformUserId: session.id },
    target: 'dashboard',
    outcome: 'success',
    details: { via, ...details },
    correlationId: `web-${session.id}`,
  });
  const maxAge = deps.env.VOID_DASHBOARD_ABSOLUTE_HOURS * 3600;
  return {
    status: 303,
    headers: {
      location: `/dashboard/t/${tenantId}/inbox`,
      'set-cookie': sessionCookie(secret, maxAge),
      'cache-control': 'no-store',
    },
  };
}

/** GET of a chat link only shows a button: link previews and scanners that fetch URLs cannot use the link up. */
function linkPage(deps: DashboardDeps, req: HttpRequest): HttpResponse {
  const token = req.params.token ?? '';
  const form = concatHtml(
    html`<form method="post" action="/dashboard/login"><input type="hidden" name="token" value="${token}">`,
    html`<button type="submit">Sign in</button></form>`,
  );
  const body = html`<p>Continue to sign in to the Void dashboard. This link works once.</p>
${form}`;
  return htmlResponse(200, page('Sign in to Void', body), secureCookies(deps));
}

async function redeemLink(deps: DashboardDeps, req: HttpRequest): Promise<HttpResponse> {
  const limited = await tooMany(deps, req);
  if (limited) return limited;
  const grant = await deps.sessions.redeemLink(formOf(req).get('token') ?? '');
  const member = grant ? deps.registry.memberById(grant.tenantId, grant.memberId) : undefined;
  if (!grant || !member) {
    await recordRefusal(
      deps,
      grant?.tenantId,
      'security.sign_in_refused',
      grant ? 'dashboard.member_removed' : 'dashboard.link_invalid',
      req,
    );
    return signInPage(
      deps,
      401,
      'That sign-in link is not valid: it was used already, it is older than five minutes, or it never existed. ' +
        'Say "login" in chat for a new one.',
    );
  }
  return signIn(deps, req, grant.tenantId, member.id, 'link', { askedVia: grant.askedVia });
}

async function oidcStart(deps: DashboardDeps, req: HttpRequest): Promise<HttpResponse> {
  const limited = await tooMany(deps, req);
  if (limited) return limited;
  const tenantId = req.query.get('tenant') ?? '';
  let url: URL | undefined;
  try {
    url = ID.test(tenantId) ? await deps.oidc.start(tenantId) : undefined;
  } catch (error) {
    req.log.warn({ err: error, tenant: tenantId }, 'OIDC discovery failed');
    return signInPage(
      deps,
      502,
      'The identity provider cannot be reached right now. Try again shortly, or use a link from chat.',
      tenantId,
    );
  }
  if (!url)
    return signInPage(
      deps,
      200,
      'Single sign-on is not set up for that organisation here. Use a link from chat instead.',
      tenantId,
    );
  return {
    status: 302,
    headers: { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  };
}

async function oidcCallback(deps: DashboardDeps, req: HttpRequest): Promise<HttpResponse> {
  const limited = await tooMany(deps, req);
  if (limited) return limited;
  const result = await deps.oidc.finish(req.query);
  if (!result.ok) {
    const { refusal } = result;
    const tenantId = typeof refusal.details?.tenantId === 'string' ? refusal.details.tenantId : undefined;
    await recordRefusal(deps, tenantId, 'security.sign_in_refused', refusal.code, req);
    return signInPage(deps, 401, refusal.message, tenantId);
  }
  return signIn(deps, req, result.tenant.id, result.member.id, 'oidc', {});
}

/** The viewer behind the cookie, for a page of `tenantId`; another tenant's URL reads as not found. */
export async function viewerOf(deps: DashboardDeps, req: HttpRequest): Promise<Viewer | HttpResponse> {
  const secret = readCookie(req);
  if (!secret) return signInPage(deps, 401);
  const session = await deps.sessions.get(secret);
  const tenant = session ? deps.registry.get(session.tenantId) : undefined;
  const member = session && tenant ? deps.registry.memberById(tenant.id, session.memberId) : undefined;
  if (!session || !tenant || !member) {
    await recordRefusal(
      deps,
      session?.tenantId,
      'security.session_refused',
      session ? 'dashboard.member_removed' : 'dashboard.session_invalid',
      req,
    );
    return signInPage(deps, 401, 'Your session has ended (signed out, timed out, or not valid). Sign in again.');
  }
  return { session, tenant, member, actor: webActor(tenant, member, session), secret };
}

async function signOut(deps: DashboardDeps, req: HttpRequest, everywhere: boolean): Promise<HttpResponse> {
  const viewer = await viewerOf(deps, req);
  if (!('session' in viewer)) return viewer;
  if (!csrfOk(viewer, formOf(req))) {
    await recordRefusal(deps, viewer.tenant.id, 'security.csrf_refused', 'dashboard.csrf', req, viewer.actor);
    return htmlResponse(403, page('Refused', NOT_FROM_YOUR_PAGE), secureCookies(deps));
  }
  const ended = everywhere
    ? await deps.sessions.destroyAll(viewer.tenant.id, viewer.member.id)
    : (await deps.sessions.destroy(viewer.secret), 1);
  await deps.audit.append({
    tenantId: viewer.tenant.id,
    action: 'security.signed_out',
    actor: auditActorOf(viewer.actor),
    target: 'dashboard',
    outcome: 'success',
    details: { everywhere, sessions: ended },
    correlationId: `web-${viewer.session.id}`,
  });
  return signInPage(
    deps,
    200,
    everywhere ? `Signed out of ${ended} session(s) on every device.` : 'Signed out.',
    undefined,
    undefined,
    true,
  );
}

export function registerSignIn(http: HttpServer, deps: DashboardDeps): void {
  http.route('GET', '/dashboard', async (req) => {
    const viewer = await viewerOf(deps, req);
    return 'session' in viewer
      ? { status: 303, headers: { location: `/dashboard/t/${viewer.tenant.id}/inbox` } }
      : viewer;
  });
  http.route('GET', '/dashboard/signin', (req) => signInRoute(deps, req));
  http.route('GET', '/dashboard/login/:token', (req) => linkPage(deps, req));
  http.route('POST', '/dashboard/login', (req) => redeemLink(deps, req), { maxBytes: 4096 });
  http.route('GET', '/dashboard/oidc/start', (req) => oidcStart(deps, req));
  http.route('GET', CALLBACK_PATH, (req) => oidcCallback(deps, req));
  http.route('POST', '/dashboard/signout', (req) => signOut(deps, req, false), { maxBytes: 4096 });
  http.route('POST', '/dashboard/signout-everywhere', (req) => signOut(deps, req, true), { maxBytes: 4096 });
}
