// Dashboard test helpers: a Void process with the dashboard, approvals and a loopback OIDC provider for acme, a
// cookie-keeping HTTP client that behaves like a browser (no redirects followed unless asked), and sign-in helpers.
import { createServer } from 'node:net';
import type { VoidModule } from '../../bot/modules.js';
import { approvalsModule } from '../../approvals/module.js';
import { dashboardModule } from '../../bot/dashboard/module.js';
import { approvalsYaml, consoleUser, say, type Speaker } from './approvals.js';
import { startTestApp, testConfig, type TestApp } from './app.js';
import { FakeIdp } from './fake-idp.js';

export const OIDC_CLIENT_SECRET = 'oidc-test-client-secret-5d1e';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The approvals tenants file with an OIDC provider for acme (matched by email) and emails for its members. */
export function dashboardYaml(issuer: string): string {
  return approvalsYaml()
    .replace(
      'identities: { slack: U0BOB0001, github: bob }',
      'identities: { slack: U0BOB0001, github: bob, email: bob@acme.example }',
    )
    .replace('identities: { slack: U0CAROL01 }', 'identities: { slack: U0CAROL01, email: carol@acme.example }')
    .replace(
      '      slack: { teamIds: [T0GLOBEX1] }\n',
      '      slack: { teamIds: [T0GLOBEX1] }\n      github: { org: globex, installationId: 2002 }\n',
    )
    .replace(
      '    members:\n      - { id: alice',
      `    dashboard:\n      oidc: { issuer: "${issuer}", clientId: void-acme, clientSecretRef: ` +
        `acme-idp }\n    members:\n      - { id: alice`,
    );
}

export interface DashboardApp extends TestApp {
  readonly idp: FakeIdp;
}

export async function startDashboardApp(
  options: {
    modules?: VoidModule[];
    env?: Record<string, string>;
    pollMs?: number;
    yaml?: (yaml: string) => string;
  } = {},
): Promise<DashboardApp> {
  const idp = await new FakeIdp('void-acme', OIDC_CLIENT_SECRET).start();
  const port = await freePort();
  const config = testConfig({
    yaml: (options.yaml ?? ((y: string) => y))(dashboardYaml(idp.url)),
    env: {
      PORT: String(port),
      VOID_DASHBOARD_URL: `http://127.0.0.1:${port}`,
      VOID_OIDC_CLIENT_SECRETS: JSON.stringify({ 'acme-idp': OIDC_CLIENT_SECRET }),
      ...options.env,
    },
  });
  const app = await startTestApp({
    config,
    modules: [approvalsModule(), dashboardModule({ pollMs: options.pollMs ?? 200 }), ...(options.modules ?? [])],
  });
  return {
    ...app,
    idp,
    stop: async () => {
      await app.stop();
      await idp.stop();
    },
  };
}

/** A browser-like client: keeps the session cookie, follows no redirect unless told. */
export class WebClient {
  cookie: string | undefined;
  lastSetCookie: string | undefined;

  constructor(readonly base: string) {}

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string>; follow?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const absolute = path.startsWith('http') ? path : `${this.base}${path}`;
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookie && absolute.startsWith(this.base)) headers.cookie = this.cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(absolute, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      redirect: 'manual',
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie && absolute.startsWith(this.base)) {
      this.lastSetCookie = setCookie;
      const pair = setCookie.split(';')[0] ?? '';
      this.cookie = /=$/.test(pair) ? undefined : pair;
    }
    const location = response.headers.get('location');
    if (init.follow && location && response.status >= 300 && response.status < 400)
      return this.request(new URL(location, absolute).href, { follow: true });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  /** The page's CSRF token (from any form on it). */
  static csrfOf(page: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  }
}

/** Asks for a link in chat as `who` and returns it. */
export async function chatLink(app: TestApp, who: Speaker = consoleUser('bob')): Promise<string> {
  const result = await say(app.app, who, 'login');
  const reply = result.replies[0];
  const url = /https?:\/\/\S+\/dashboard\/login\/[A-Za-z0-9_-]+/.exec(reply?.text ?? '')?.[0];
  if (!url || !reply?.private) throw new Error(`no private link in the reply: ${reply?.text}`);
  return url;
}

/** Signs a client in by a chat link, as a person would: open the link, press the button. */
export async function signInByLink(app: TestApp, who: Speaker = consoleUser('bob')): Promise<WebClient> {
  const client = new WebClient(app.url);
  const link = await chatLink(app, who);
  const token = link.split('/').pop() as string;
  const res = await client.request('/dashboard/login', { form: { token } });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${res.text.slice(0, 200)}`);
  return client;
}
