// Void's token for calling the Bot Connector: the OAuth 2.0 client-credentials grant against the configured login
// authority (MICROSOFT_LOGIN_URL + tenant), with plain fetch. botbuilder's own path (MSAL) only trusts Microsoft's
// login hosts and loses a failure in a warning; here any HTTPS authority works (sovereign clouds, a proxy, a test
// fake), and a refused password or an unreachable host is kept as the Teams credential health that /readyz, `void
// doctor` and void_platform_credential_failures_total report. No botbuilder import: the doctor uses this file too.
import { refuse, type Refusal } from '../core/outcome.js';
import { recordCredentialFailure } from '../metrics.js';

export type CredentialFailure = 'rejected' | 'unreachable' | 'bad_response';

type TokenRefusal = Refusal<'teams.login_unreachable' | 'teams.login_rejected' | 'teams.login_bad_response'>;

type TokenFailure = { ok: false; refusal: TokenRefusal };
export type TokenResult = { ok: true; token: string; expiresInSeconds: number } | TokenFailure;

const FAILURES: Record<TokenRefusal['code'], CredentialFailure> = {
  'teams.login_unreachable': 'unreachable',
  'teams.login_rejected': 'rejected',
  'teams.login_bad_response': 'bad_response',
};

/** The kind of a credential failure, as /readyz, the doctor and void_platform_credential_failures_total count it. */
export const failureOf = (refusal: TokenRefusal): CredentialFailure => FAILURES[refusal.code];

export interface TokenRequest {
  /** The authority: `<login URL>/<tenant id or botframework.com>`. */
  readonly authority: string;
  readonly appId: string;
  readonly password: string;
  /** The Bot Connector audience, e.g. https://api.botframework.com (`/.default` is appended). */
  readonly scope: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The token endpoint of an authority: Microsoft identity platform v2 layout, which Azure AD clouds all use. */
export function tokenEndpoint(authority: string): string {
  return `${authority.replace(/\/+$/, '')}/oauth2/v2.0/token`;
}

export function loginAuthority(loginUrl: string, tenantId: string | undefined): string {
  return `${loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId || 'botframework.com')}`;
}

/** One client-credentials request. Never throws; the password is only in the request body, never in the result. */
export async function requestBotToken(req: TokenRequest): Promise<TokenResult> {
  const scope = req.scope.endsWith('/.default') ? req.scope : `${req.scope.replace(/\/+$/, '')}/.default`;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: req.appId,
    client_secret: req.password,
    scope,
  });
  let res: Response;
  try {
    res = await (req.fetch ?? fetch)(tokenEndpoint(req.authority), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const host = safeHost(req.authority);
    const timedOut = (error as Error).name === 'TimeoutError';
    return { ok: false, refusal: refuse('teams.login_unreachable', { host, timedOut }) };
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof json.access_token === 'string') {
    return {
      ok: true,
      token: json.access_token,
      expiresInSeconds: Number(json.expires_in) > 0 ? Number(json.expires_in) : 3600,
    };
  }
  // AAD's `error` is a short code (invalid_client, unauthorized_client…); its description carries trace ids only.
  const error = typeof json.error === 'string' ? json.error.slice(0, 60) : undefined;
  const aadsts = typeof json.error_description === 'string' ? /AADSTS\d+/.exec(json.error_description)?.[0] : undefined;
  const refused = res.status === 400 || res.status === 401 || res.status === 403;
  return {
    ok: false,
    refusal: refused
      ? refuse('teams.login_rejected', { status: res.status, error, aadsts })
      : refuse('teams.login_bad_response', { status: res.status }),
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

export interface CredentialHealth {
  readonly status: 'unknown' | 'ok' | 'failing';
  readonly reason?: CredentialFailure;
  readonly message?: string;
  /** When the current state began (ISO time). */
  readonly since?: string;
  readonly lastSuccessAt?: string;
}

const REFRESH_MARGIN_MS = 5 * 60_000;
/** A failure is remembered this long before the next request tries again (no storm against a refusing host). */
const FAILURE_BACKOFF_MS = 30_000;

/** The cached token and the health of the credential, for one app id. */
export class BotTokenSource {
  private token: { value: string; expiresAt: number } | undefined;
  private failure: { result: TokenFailure; at: number } | undefined;
  private inFlight: Promise<TokenResult> | undefined;
  private state: CredentialHealth = { status: 'unknown' };

  constructor(
    private readonly request: Omit<TokenRequest, 'authority'> & { authority: string },
    private readonly onFailure: (result: TokenFailure) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  health(): CredentialHealth {
    return this.state;
  }

  /**
   * A valid token, fetching one when none is cached (or it is about to expire). A reply that needs a token always
   * asks again (one request at a time), so a fixed password works at once; health checks (`recent`) reuse a failure
   * for FAILURE_BACKOFF_MS instead of asking the login host on every probe.
   */
  async get(options: { recent?: boolean } = {}): Promise<TokenResult> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now())
      return {
        ok: true,
        token: this.token.value,
        expiresInSeconds: Math.floor((this.token.expiresAt - this.now()) / 1000),
      };
    if (options.recent && this.failure && this.now() - this.failure.at < FAILURE_BACKOFF_MS) return this.failure.result;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetch(): Promise<TokenResult> {
    const result = await requestBotToken(this.request);
    const at = new Date(this.now()).toISOString();
    if (result.ok) {
      this.token = { value: result.token, expiresAt: this.now() + result.expiresInSeconds * 1000 };
      this.failure = undefined;
      this.state = { status: 'ok', since: this.state.status === 'ok' ? this.state.since : at, lastSuccessAt: at };
      return result;
    }
    this.token = undefined;
    this.failure = { result, at: this.now() };
    const reason = failureOf(result.refusal);
    const since = this.state.status === 'failing' && this.state.reason === reason ? this.state.since : at;
    this.state = {
      status: 'failing',
      reason,
      message: result.refusal.message,
      since,
      ...(this.state.lastSuccessAt ? { lastSuccessAt: this.state.lastSuccessAt } : {}),
    };
    recordCredentialFailure('teams', reason);
    this.onFailure(result);
    return result;
  }
}
