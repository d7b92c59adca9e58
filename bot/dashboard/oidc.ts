// OpenID Connect sign-in, per tenant, through openid-client: discovery, authorisation code with PKCE, state and
// nonce (kept single-use in Redis), ID token validation by the library, then the claims → one member of the tenant.
import * as client from 'openid-client';
import type { Env } from '../config/env.js';
import { refuse, withDetails, type Refusal } from '../core/outcome.js';
import type { Member, Tenant } from '../core/types.js';
import { dashboardSettingsOf, type OidcSettings } from './settings.schema.js';
import type { SessionStore } from './sessions.js';

export const CALLBACK_PATH = '/dashboard/oidc/callback';

export type OidcResult =
  { ok: true; tenant: Tenant; member: Member; subject: string } | { ok: false; refusal: Refusal };

/** A refused sign-in; the tenant it was for, when known, is in the details (for the record and the page). */
const refusedFor = (refusal: Refusal, tenantId?: string): OidcResult => ({
  ok: false,
  refusal: tenantId === undefined ? refusal : withDetails(refusal, { tenantId }),
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class OidcSignIn {
  private readonly configs = new Map<string, Promise<client.Configuration>>();

  constructor(
    private readonly env: Env,
    private readonly sessions: SessionStore,
    private readonly tenants: (id: string) => Tenant | undefined,
  ) {}

  settingsOf(tenant: Tenant | undefined): OidcSettings | undefined {
    return tenant ? dashboardSettingsOf(tenant).oidc : undefined;
  }

  private redirectUri(): string {
    return new URL(CALLBACK_PATH, this.env.VOID_DASHBOARD_URL).href;
  }

  /** Discovery once per tenant (retried after a failure); plain http only for an issuer on loopback (tests, dev). */
  private config(tenant: Tenant, settings: OidcSettings): Promise<client.Configuration> {
    let found = this.configs.get(tenant.id);
    if (!found) {
      const secret = this.env.VOID_OIDC_CLIENT_SECRETS?.[settings.clientSecretRef];
      const issuer = new URL(settings.issuer);
      const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
      // enableNonRepudiationChecks: the ID token's signature is checked against the provider's JWKS too (the
      // library would otherwise rely on TLS alone for tokens from the token endpoint, as OIDC Core allows).
      const execute = [client.enableNonRepudiationChecks, ...(insecure ? [client.allowInsecureRequests] : [])];
      found = client.discovery(issuer, settings.clientId, undefined, client.ClientSecretPost(secret), {
        timeout: 10,
        execute,
      });
      found.catch(() => this.configs.delete(tenant.id));
      this.configs.set(tenant.id, found);
    }
    return found;
  }

  /** The provider's authorisation URL for this tenant, or undefined when the tenant has no OIDC provider. */
  async start(tenantId: string): Promise<URL | undefined> {
    const tenant = this.tenants(tenantId);
    const settings = this.settingsOf(tenant);
    if (!tenant || !settings) return undefined;
    const config = await this.config(tenant, settings);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await this.sessions.saveOidcState(state, { tenantId: tenant.id, verifier, nonce });
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(),
      scope: settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** The provider sent the browser back: exchange the code, validate the ID token, find the member. */
  async finish(query: URLSearchParams): Promise<OidcResult> {
    const saved = await this.sessions.takeOidcState(query.get('state') ?? '');
    if (!saved) return refusedFor(refuse('dashboard.oidc_state'));
    const tenant = this.tenants(saved.tenantId);
    const settings = this.settingsOf(tenant);
    if (!tenant || !settings) return refusedFor(refuse('dashboard.oidc_off'));
    if (query.get('error')) return refusedFor(refuse('dashboard.oidc_denied'), tenant.id);
    let claims: client.IDToken | undefined;
    try {
      const config = await this.config(tenant, settings);
      const current = new URL(`${this.redirectUri()}?${query.toString()}`);
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: saved.verifier,
        expectedState: query.get('state') ?? '',
        expectedNonce: saved.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return refusedFor(refuse('dashboard.oidc_invalid', { code }), tenant.id);
    }
    if (!claims) return refusedFor(refuse('dashboard.oidc_invalid', {}), tenant.id);
    const member = memberOf(tenant, settings, claims);
    if (!member) return refusedFor(refuse('dashboard.oidc_unknown', { tenant: tenant.name }), tenant.id);
    return { ok: true, tenant, member, subject: claims.sub };
  }
}

function memberOf(tenant: Tenant, settings: OidcSettings, claims: client.IDToken): Member | undefined {
  if (settings.match === 'sub') {
    const id = settings.subjects[claims.sub];
    return id ? tenant.members.find((m) => m.id === id) : undefined;
  }
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined;
  if (!email || claims.email_verified === false) return undefined;
  return tenant.members.find((m) => (m.identities.email ?? []).some((e) => e.toLowerCase() === email));
}
