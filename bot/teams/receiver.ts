// Authenticates Bot Framework requests before anything else happens (invariant 1): the JWT in `Authorization` must
// be RS256-signed by a key from the OpenID metadata, issued by the Bot Framework, addressed to this bot's app id,
// valid within a 5-minute skew, and its `serviceurl` claim must equal the activity's serviceUrl. Pure functions with
// an injectable clock. They are Teams' verify/map on the one inbound pipeline (bot/http/inbound.ts), which refuses a
// repeated Authorization header, answers 401, records the refusal and touches nothing when any check fails.
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import {
  reasonOf,
  unverified,
  type InboundAdapter,
  type InboundEndpoint,
  type SecuritySink,
  type Verdict,
} from '../core/inbound.js';
import { refuse, withDetails, type Refusal } from '../core/outcome.js';
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

/** Verifies the bearer token of a request from the Bot Framework channel. Never throws for bad input. */
export async function verifyChannelToken(authorization: string | undefined, check: TokenCheck): Promise<TokenVerdict> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) return unverified(refuse('teams.missing_token'));
  const token = match[1];
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return unverified(refuse('teams.bad_token', { problem: 'malformed' }));
  }
  if (header.alg !== 'RS256') return unverified(refuse('teams.bad_algorithm'));
  if (typeof header.kid !== 'string' || !header.kid)
    return unverified(refuse('teams.bad_token', { problem: 'no_key_id' }));
  const key = await check.keys.get(header.kid);
  if (!key) return unverified(refuse('teams.unknown_key'));
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
    return unverified(classify(error));
  }
}

function classify(error: unknown): Refusal {
  if (error instanceof joseErrors.JWTExpired) return refuse('teams.expired_token');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return refuse('teams.wrong_audience');
    if (error.claim === 'iss') return refuse('teams.wrong_issuer');
    return refuse('teams.bad_claims', { claim: error.claim });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refuse('teams.bad_signature');
  return refuse('teams.bad_token', { problem: 'invalid' });
}

/** The activity must come from the service the token was issued for, on a channel that endorses the key. */
export function checkActivityBinding(credential: ChannelCredential, activity: TeamsActivity): TokenVerdict {
  const serviceUrl = credential.claims.serviceurl ?? credential.claims.serviceUrl;
  if (serviceUrl !== activity.serviceUrl) return unverified(refuse('teams.service_url_mismatch'));
  if (credential.endorsements && !credential.endorsements.includes(activity.channelId)) {
    return unverified(refuse('teams.not_endorsed', { channel: activity.channelId }));
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

/** A refused activity: the refusal, and in its details the `action` of its record on the system trail. */
const refusedAs = (refusal: Refusal, action: RefusedActivity['action']): Refusal => withDetails(refusal, { action });

/** What may be accepted at all: an allowed channel, and one Azure AD tenant (Teams names it twice; both must agree). */
export function screenActivity(activity: TeamsActivity, allowedChannels: readonly string[]): Refusal | undefined {
  const channel = activity.channelId.toLowerCase();
  if (!allowedChannels.includes(channel)) {
    const refusal = refuse('teams.channel_not_allowed', {
      channel: activity.channelId.slice(0, 64),
      allowed: allowedChannels,
    });
    return refusedAs(refusal, 'security.channel_refused');
  }
  const named = activity.conversation.tenantId;
  const data = activity.channelData?.tenant?.id;
  if (named && data && named.toLowerCase() !== data.toLowerCase()) {
    return refusedAs(refuse('teams.tenant_mismatch'), 'security.cross_tenant');
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
  /** The ack of a message that runs after it (queued.ts), or undefined: the turn runs in the request (invokes…). */
  readonly queue?: (
    activity: TeamsActivity,
    claims: JWTPayload | undefined,
    req: InboundRequest,
  ) => Promise<HttpResponse | undefined>;
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
        return unverified(refuse('teams.keys_unavailable', { why: error.message }));
      }
    },
    map: (body, _req, credential) => {
      const parsed = activityFrom(body);
      if (!parsed.ok) return { answer: json(400, { error: 'teams.bad_activity', message: parsed.refusal.message }) };
      const bound = credential ? checkActivityBinding(credential, parsed.activity) : undefined;
      if (bound && !bound.ok) {
        return {
          answer: json(401, { error: bound.refusal.code, message: bound.refusal.message }),
          security: {
            action: 'security.bad_signature',
            source: 'teams',
            reason: reasonOf(bound.refusal),
            target: 'POST /api/messages',
          },
        };
      }
      return { event: parsed.activity };
    },
    admit: (activity) => admit(options, activity),
    deliver: async (activity, credential, req) => {
      const queued = await options.queue?.(activity, credential?.claims, req);
      if (queued) return queued;
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
    (bound ? undefined : refusedAs(refuse('identity.unknown_workspace', { where: 'teams' }), 'request.rejected'));
  if (!refusal) return undefined;
  options.log.warn(
    { code: refusal.code, channel: activity.channelId.slice(0, 64) },
    'Teams activity refused; nothing is sent back into Teams',
  );
  await options
    .record({
      action: refusal.details?.action as RefusedActivity['action'],
      code: refusal.code,
      aadTenantId,
      aadObjectId: activity.from?.aadObjectId,
      channelId: activity.channelId.slice(0, 64),
    })
    .catch((err: unknown) =>
      options.log.error({ err }, 'could not record the refused Teams activity in the audit trail'),
    );
  return json(refusal.status ?? 403, { error: refusal.code, message: refusal.message });
}
