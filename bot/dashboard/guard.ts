// Every tenant page: a signed-in viewer of exactly that tenant (another tenant's URL is 404, as if it did not
// exist), and for every state change the session's CSRF token in the form (else 403, recorded).
import type { HttpRequest, HttpResponse, HttpServer } from '../http/server.js';
import { csrfOk, formOf, notFound, recordRefusal, secureCookies, type DashboardDeps, type Viewer } from './context.js';
import { concatHtml, html, htmlResponse, page } from './html.js';
import { viewerOf } from './signin.js';

/** A state change whose CSRF token is missing or wrong: nothing was done. */
const NOT_FROM_YOUR_PAGE = concatHtml(
  html`<p role="alert">This form was not sent from your dashboard page (its security token is missing or wrong), `,
  html`so nothing was done. Go back, reload the page and try again.</p>`,
);

export type TenantHandler = (
  req: HttpRequest,
  viewer: Viewer,
  form: URLSearchParams,
) => Promise<HttpResponse> | HttpResponse;

export function tenantRoute(
  http: HttpServer,
  deps: DashboardDeps,
  method: 'GET' | 'POST',
  path: string,
  handler: TenantHandler,
): void {
  http.route(
    method,
    `/dashboard/t/:tenant${path}`,
    async (req) => {
      const viewer = await viewerOf(deps, req);
      if (!('session' in viewer)) return viewer;
      if (req.params.tenant !== viewer.tenant.id) return notFound(deps, viewer);
      const form = method === 'POST' ? formOf(req) : new URLSearchParams();
      if (method === 'POST' && !csrfOk(viewer, form)) {
        await recordRefusal(deps, viewer.tenant.id, 'security.csrf_refused', 'dashboard.csrf', req, viewer.actor);
        return htmlResponse(403, page('Refused', NOT_FROM_YOUR_PAGE), secureCookies(deps));
      }
      return handler(req, viewer, form);
    },
    method === 'POST' ? { maxBytes: 16 * 1024 } : {},
  );
}

export const hasRole = (viewer: Viewer, ...roles: string[]): boolean =>
  viewer.member.roles.some((r) => roles.includes(r));
