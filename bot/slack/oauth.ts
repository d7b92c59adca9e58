// Multi-workspace install through Slack's OAuth v2 flow: GET /slack/install sends the installer to Slack with a
// signed, single-use state (also bound to the browser by a cookie); GET /slack/oauth_redirect exchanges the code,
// binds the workspace to the tenant whose bindings list its team id, and stores the bot token sealed.
import { registerSecret } from '../logger.js';
import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../../audit/trail.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import type { TenantRegistry } from '../core/registry.js';
import type { HttpRequest, HttpResponse, HttpServer } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { SlackAuth } from './auth.js';
import type { InstallationStore } from './installations.js';
import { workspaceIdFor } from './mapper.js';
import { safeEqual } from './signature.js';

export const BOT_SCOPES = ['app_mentions:read', 'chat:write', 'commands', 'im:history', 'im:read', 'im:write'];
const STATE_TTL_SECONDS = 600;
const COOKIE = 'void_slack_state';

export interface OAuthOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly stateSecret: string;
  readonly redirectUri?: string | undefined;
  /** Slack's Web API base URL; the authorize page lives on the same host (slack.com, slack-gov.com, a local fake). */
  readonly apiUrl: string;
  readonly redis: Redis;
  readonly prefix: string;
  readonly auth: SlackAuth;
  readonly installations: InstallationStore;
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly log: Logger;
}

const page = (status: number, title: string, message: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body:
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`,
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cookieOf(req: HttpRequest, name: string): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export class SlackOAuth {
  constructor(private readonly options: OAuthOptions) {}

  routes(http: HttpServer): void {
    http.route('GET', '/slack/install', () => this.install());
    http.route('GET', '/slack/oauth_redirect', (req) => this.redirect(req));
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.options.stateSecret).update(`slack-oauth:${nonce}`).digest('hex');
  }

  private stateKey(nonce: string): string {
    return `${this.options.prefix}:slack:oauth-state:${nonce}`;
  }

  async install(): Promise<HttpResponse> {
    const nonce = randomBytes(16).toString('hex');
    await this.options.redis.set(this.stateKey(nonce), '1', 'EX', STATE_TTL_SECONDS);
    const url = new URL('/oauth/v2/authorize', this.options.apiUrl);
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('scope', BOT_SCOPES.join(','));
    url.searchParams.set('state', `${nonce}.${this.sign(nonce)}`);
    if (this.options.redirectUri) url.searchParams.set('redirect_uri', this.options.redirectUri);
    const cookie = `${COOKIE}=${nonce}; Max-Age=${STATE_TTL_SECONDS}; Path=/slack; HttpOnly; Secure; SameSite=Lax`;
    return { status: 302, headers: { location: url.toString(), 'set-cookie': cookie, 'cache-control': 'no-store' } };
  }

  /** The state is valid once: signed by us, issued to this browser, not used before, not expired. */
  private async consumeState(req: HttpRequest): Promise<boolean> {
    const [nonce, mac] = (req.query.get('state') ?? '').split('.');
    if (!nonce || !mac || !/^[0-9a-f]{32}$/.test(nonce) || !safeEqual(mac, this.sign(nonce))) return false;
    if (cookieOf(req, COOKIE) !== nonce) return false;
    return (await this.options.redis.del(this.stateKey(nonce))) === 1;
  }

  async redirect(req: HttpRequest): Promise<HttpResponse> {
    if (req.query.get('error'))
      return page(
        400,
        'Installation cancelled',
        'Slack reported that the installation was not approved. Nothing was installed.',
      );
    const code = req.query.get('code');
    if (!code) return page(400, 'Installation failed', 'The redirect from Slack carries no code.');
    if (!(await this.consumeState(req)))
      return page(
        400,
        'Installation failed',
        'The installation link expired or was already used. Start again from /slack/install.',
      );
    let access: {
      token: string;
      teamId: string;
      teamName: string;
      enterpriseId?: string | undefined;
      appId?: string | undefined;
      scopes: string[];
      installer?: string | undefined;
    };
    try {
      const r = await this.options.auth.client('').oauth.v2.access({
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        code,
        redirect_uri: this.options.redirectUri,
      });
      const team = (r.team ?? {}) as { id?: string; name?: string };
      if (!r.access_token || !team.id) throw new Error('oauth.v2.access returned no bot token or team');
      registerSecret(r.access_token);
      access = {
        token: r.access_token,
        teamId: team.id,
        teamName: team.name ?? team.id,
        enterpriseId: (r.enterprise as { id?: string } | null)?.id,
        appId: r.app_id,
        scopes: String(r.scope ?? '')
          .split(',')
          .filter(Boolean),
        installer: (r.authed_user as { id?: string } | undefined)?.id,
      };
    } catch (error) {
      this.options.log.warn({ err: { message: (error as Error).message } }, 'Slack OAuth code exchange failed');
      return page(
        502,
        'Installation failed',
        'Slack did not accept the installation code. Start again from /slack/install.',
      );
    }
    return this.bind(access);
  }

  private async bind(access: {
    token: string;
    teamId: string;
    teamName: string;
    enterpriseId?: string | undefined;
    appId?: string | undefined;
    scopes: string[];
    installer?: string | undefined;
  }): Promise<HttpResponse> {
    const { registry, audit } = this.options;
    const tenant = registry.tenantFor('slack', workspaceIdFor(registry, access));
    const correlationId = `c-install-${access.teamId}-${Date.now()}`;
    const actor = { platform: 'slack' as const, platformUserId: access.installer };
    if (!tenant) {
      await audit.append({
        tenantId: SYSTEM_TENANT,
        action: 'chat.slack_install_refused',
        actor,
        target: access.teamId,
        outcome: 'denied',
        details: { code: 'identity.unknown_workspace' },
        correlationId,
      });
      return page(
        403,
        'Workspace not connected to Void',
        `The Slack workspace ${access.teamId} is not bound to any tenant. Ask your Void administrator to add it ` +
          `to the tenant's bindings.slack.teamIds, then install again.`,
      );
    }
    const ids = await this.options.auth.client(access.token).auth.test();
    await audit.append({
      tenantId: tenant.id,
      action: 'chat.slack_installed',
      actor,
      target: access.teamId,
      outcome: 'success',
      details: { scopes: access.scopes, enterpriseId: access.enterpriseId },
      correlationId,
    });
    await this.options.installations.save({
      tenantId: tenant.id,
      teamId: access.teamId,
      enterpriseId: access.enterpriseId,
      botToken: access.token,
      botId: String(ids.bot_id ?? ''),
      botUserId: String(ids.user_id ?? ''),
      appId: access.appId,
      scopes: access.scopes,
      installedBy: access.installer,
      installedAt: new Date().toISOString(),
    });
    this.options.log.info({ tenant: tenant.id, teamId: access.teamId }, 'Slack workspace installed');
    return page(
      200,
      'Void is installed',
      `Void is now installed in ${access.teamName} for ${tenant.name}. Type /void help in Slack to start.`,
    );
  }
}
