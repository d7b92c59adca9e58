// Authenticates Bot Framework requests before anything else happens (invariant 1): the JWT in `Authorization` must
// be RS256-signed by a key from the OpenID metadata, issued by the Bot Framework, addressed to this bot's app id,
// valid within a 5-minute skew, and its `serviceurl` claim must equal the activity's serviceUrl. Pure functions with
// an injectable clock. They are Teams' verify/map on the one inbound pipeline (bot/http/inbound.ts), which refuses a
// repeated Authorization header, answers 401, records the refusal and touches nothing when any check fails.
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { InboundAdapter, InboundEndpoint, SecuritySink, Verdict } from '../core/inbound.js';
import { json, type HttpResponse, type InboundRequest } from '../http/server.js';
import type { Logger } from '../logger.js';
import { KeysUnavailableError, type OpenIdKeys } from './openid.js';
import { aadTenantOf, activityFrom, type TeamsActivity } from './mapper.js';

export interface TokenCheck {
  readonly appId: string;
  readonly issuer: string;
  readonly keys: Pick<OpenIdKeys, 'get'>;
  readonly now?: () => Date;
  readonly skewSeconds?: number;
}

/** Who the Bot Framework token speaks for (undefined in local-emulator mode, where validation is off). */
export interface ChannelCredential {
  readonly claims: JWTPayload;
  readonly endorsements?: readonly string[] | undefined;
}

export type TokenVerdict = Verdict<ChannelCredential>;

const reject = (code: string, message: string): Verdict<never> => ({ ok: false, code, reason: code, message });

/** Verifies the bearer token of a request from the Bot Framework channel. Never throws for bad input. */
export async function verifyChannelToken(authorization: string | undefined, check: TokenCheck): Promise<TokenVerdict> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) return reject('teams.missing_token', 'A Bot Framework bearer token is required.');
  const token = match[1];
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return reject('teams.bad_token', 'The bearer token is malformed.');
  }
  if (header.alg !== 'RS256') return reject('teams.bad_algorithm', 'The token must be signed with RS256.');
  if (typeof header.kid !== 'string' || !header.kid)
    return reject('teams.bad_token', 'The token names no signing key.');
  const key = await check.keys.get(header.kid);
  if (!key) return reject('teams.unknown_key', 'The token is signed by a key the Bot Framework does not publish.');
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: ['RS256'],
      issuer: check.issuer,
      audience: check.appId,
      clockTolerance: check.skewSeconds ?? 300,
      currentDate: (check.now ?? (() => new Date()))(),
      requiredClaims: ['exp'],
    });
    return { ok: true, value: { claims: payload, endorsements: key.endorsements } };
  } catch (error) {
    return reject(...classify(error));
  }
}

function classify(error: unknown): [string, string] {
  if (error instanceof joseErrors.JWTExpired) return ['teams.expired_token', 'The token has expired.'];
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return ['teams.wrong_audience', 'The token is not addressed to this bot.'];
    if (error.claim === 'iss') return ['teams.wrong_issuer', 'The token was not issued by the Bot Framework.'];
    return ['teams.bad_claims', `The token's "${error.claim}" claim is not valid.`];
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return ['teams.bad_signature', 'The token signature does not verify.'];
  return ['teams.bad_token', 'The bearer token is not valid.'];
}

/** The activity must come from the service the token was issued for, on a channel that endorses the key. */
export function checkActivityBinding(credential: ChannelCredential, activity: TeamsActivity): TokenVerdict {
  const serviceUrl = credential.claims.serviceurl ?? credential.claims.serviceUrl;
  if (serviceUrl !== activity.serviceUrl)
    return reject('teams.service_url_mismatch', 'The token was issued for another service URL.');
  if (credential.endorsements && !credential.endorsements.includes(activity.channelId)) {
    return reject('teams.not_endorsed', `The signing key is not endorsed for the "${activity.channelId}" channel.`);
  }
  return { ok: true, value: credential };
}

/** An activity refused after authentication (channel, tenant ids, unbound tenant): recorded on the system trail. */
export interface RefusedActivity {
  readonly action: 'security.channel_refused' | 'security.cross_tenant' | 'request.rejected';
  readonly code: string;
  readonly aadTenantId: string | undefined;
  readonly aadObjectId: string | undefined;
  readonly channelId: string;
}

type Refusal = { status: 401 | 403; code: string; message: string; action: RefusedActivity['action'] };

/** What may be accepted at all: an allowed channel, and one Azure AD tenant (Teams names it twice; both must agree). */
export function screenActivity(activity: TeamsActivity, allowedChannels: readonly string[]): Refusal | undefined {
  const channel = activity.channelId.toLowerCase();
  if (!allowedChannels.includes(channel)) {
    return {
      status: 403,
      code: 'teams.channel_not_allowed',
      message: `Activities from the "${activity.channelId.slice(0, 64)}" channel are not accepted (allowed: ${allowedChannels.join(', ')}).`,
      action: 'security.channel_refused',
    };
  }
  const named = activity.conversation.tenantId;
  const data = activity.channelData?.tenant?.id;
  if (named && data && named.toLowerCase() !== data.toLowerCase()) {
    return {
      status: 401,
      code: 'teams.tenant_mismatch',
      message: 'The activity names two different Azure AD tenants (conversation.tenantId and channelData.tenant.id).',
      action: 'security.cross_tenant',
    };
  }
  return undefined;
}

export interface ReceiverOptions {
  readonly log: Logger;
  /** undefined in local-emulator mode: validation is off. */
  readonly tokens: TokenCheck | undefined;
  /** Bot Framework channels accepted (TEAMS_ALLOWED_CHANNELS). */
  readonly allowedChannels: readonly string[];
  /** Whether an Azure AD tenant is bound to a Void tenant: nothing is ever sent to one that is not. */
  readonly isBound: (aadTenantId: string) => boolean;
  /** Where authentication failures are recorded (the system trail's security events). */
  readonly security: SecuritySink;
  /** Records a refused activity on the system audit trail. */
  readonly record: (refused: RefusedActivity) => Promise<void>;
  /** Runs the turn; returns the invoke response, if any. */
  readonly process: (
    activity: TeamsActivity,
    claims: JWTPayload | undefined,
  ) => Promise<{ status: number; body?: unknown } | undefined>;
}

type Credential = ChannelCredential | undefined;

/** `POST /api/messages` on the inbound pipeline: the Bot Framework JWT (async: the signing keys may be fetched). */
export function teamsMessages(options: ReceiverOptions): InboundEndpoint<Credential, TeamsActivity, InboundRequest> {
  const log = options.log;
  const adapter: InboundAdapter<Credential, TeamsActivity, InboundRequest> = {
    platform: 'teams',
    authHeaders: ['authorization'],
    body: 'json',
    badBody: 'teams.bad_activity',
    target: () => ({ target: 'POST /api/messages' }),
    verify: async (req): Promise<Verdict<Credential>> => {
      if (!options.tokens) return { ok: true, value: undefined };
      try {
        return await verifyChannelToken(req.header('authorization'), options.tokens);
      } catch (error) {
        if (!(error instanceof KeysUnavailableError)) throw error;
        log.error({ err: { message: error.message, code: error.code } }, 'Bot Framework keys unavailable');
        return { ok: false, status: 503, code: error.code, reason: error.code, message: error.message };
      }
    },
    map: (body, _req, credential) => {
      const parsed = activityFrom(body);
      if (!parsed.ok) return { answer: json(400, { error: 'teams.bad_activity', message: parsed.message }) };
      const bound = credential ? checkActivityBinding(credential, parsed.activity) : undefined;
      if (bound && !bound.ok) {
        return {
          answer: json(401, { error: bound.code, message: bound.message }),
          security: {
            action: 'security.bad_signature',
            source: 'teams',
            reason: bound.reason,
            target: 'POST /api/messages',
          },
        };
      }
      return { event: parsed.activity };
    },
    admit: (activity) => admit(options, activity),
    deliver: async (activity, credential) => {
      const result = await options.process(activity, credential?.claims);
      if (!result) return { status: 200 };
      return result.body === undefined
        ? { status: result.status }
        : { status: result.status, body: result.body as Record<string, unknown> };
    },
  };
  return { adapter, security: options.security };
}

/** Channel, tenant agreement, bound tenant: a refusal is logged and recorded, and nothing goes back into Teams. */
async function admit(options: ReceiverOptions, activity: TeamsActivity): Promise<HttpResponse | undefined> {
  const aadTenantId = aadTenantOf(activity);
  const bound = aadTenantId !== undefined && options.isBound(aadTenantId);
  const refusal: Refusal | undefined =
    screenActivity(activity, options.allowedChannels) ??
    (bound
      ? undefined
      : {
          status: 403,
          code: 'identity.unknown_workspace',
          message: 'This workspace is not connected to Void.',
          action: 'request.rejected',
        });
  if (!refusal) return undefined;
  options.log.warn(
    { code: refusal.code, channel: activity.channelId.slice(0, 64) },
    'Teams activity refused; nothing is sent back into Teams',
  );
  await options
    .record({
      action: refusal.action,
      code: refusal.code,
      aadTenantId,
      aadObjectId: activity.from?.aadObjectId,
      channelId: activity.channelId.slice(0, 64),
    })
    .catch((err: unknown) =>
      options.log.error({ err }, 'could not record the refused Teams activity in the audit trail'),
    );
  return json(refusal.status, { error: refusal.code, message: refusal.message });
}
