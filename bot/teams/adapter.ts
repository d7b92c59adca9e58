// botbuilder's CloudAdapter, fed with activities that Void's own receiver has already authenticated (receiver.ts):
// the adapter runs the turn and makes the outbound Bot Connector calls, signed with Void's own token source
// (token.ts: any HTTPS login authority, and a failure is visible in /readyz, `void doctor` and a metric).
import type { JWTPayload } from 'jose';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConversationReference,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Env } from '../config/env.js';
import { VoidError } from '../core/errors.js';
import type { BotTokenSource } from './token.js';

type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

/**
 * Outbound credentials from Void's token source. botbuilder asks for credentials per connector client; each request
 * it signs takes the cached token (or fetches one). A failure throws `teams.credentials` with the reason, and the
 * source has already recorded it (health, metric, log).
 */
export function voidCredentialsFactory(appId: string, tokens: BotTokenSource): CredentialsFactory {
  const credentials = {
    async signRequest<T extends { headers: { set(name: string, value: string): void } }>(resource: T): Promise<T> {
      const result = await tokens.get();
      if (!result.ok)
        throw new VoidError(
          'teams.credentials',
          `Void cannot post to Teams: ${result.refusal.message}. Check MICROSOFT_APP_PASSWORD and ` +
            `MICROSOFT_LOGIN_URL (void doctor).`,
        );
      resource.headers.set('authorization', `Bearer ${result.token}`);
      return resource;
    },
  };
  const factory = {
    isValidAppId: async (id: string) => id === appId,
    isAuthenticationDisabled: async () => !appId,
    createCredentials: async () => credentials,
  };
  return factory as unknown as CredentialsFactory;
}

export interface TeamsSettings {
  readonly appId: string;
  readonly emulator: boolean;
  readonly oauthScope: string;
}

export function teamsSettings(env: Env): TeamsSettings {
  return {
    appId: env.MICROSOFT_APP_ID ?? '',
    emulator: env.TEAMS_EMULATOR_MODE,
    oauthScope: env.MICROSOFT_BOT_OAUTH_SCOPE,
  };
}

function authentication(env: Env, tokens: BotTokenSource | undefined): ConfigurationBotFrameworkAuthentication {
  const tenant = env.MICROSOFT_APP_TENANT_ID;
  const loginBase = env.MICROSOFT_LOGIN_URL.endsWith('/') ? env.MICROSOFT_LOGIN_URL : `${env.MICROSOFT_LOGIN_URL}/`;
  return new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: env.MICROSOFT_APP_ID ?? '',
      MicrosoftAppPassword: env.MICROSOFT_APP_PASSWORD ?? '',
      MicrosoftAppType: tenant ? 'SingleTenant' : 'MultiTenant',
      MicrosoftAppTenantId: tenant ?? '',
      ToChannelFromBotLoginUrl: `${loginBase}${tenant ?? 'botframework.com'}`,
      ToChannelFromBotOAuthScope: env.MICROSOFT_BOT_OAUTH_SCOPE,
      ToBotFromChannelTokenIssuer: env.MICROSOFT_TOKEN_ISSUER,
      ToBotFromChannelOpenIdMetadataUrl: env.MICROSOFT_OPENID_METADATA_URL,
      ValidateAuthority: true,
      CallerId: env.TEAMS_EMULATOR_MODE ? '' : 'urn:botframework:azure',
    },
    tokens && env.MICROSOFT_APP_ID ? voidCredentialsFactory(env.MICROSOFT_APP_ID, tokens) : undefined,
  );
}

export class VoidCloudAdapter extends CloudAdapter {
  constructor(
    env: Env,
    private readonly settings: TeamsSettings,
    tokens?: BotTokenSource,
  ) {
    super(authentication(env, tokens));
  }

  /** The audience of outbound tokens (the Bot Connector). */
  get audience(): string {
    return this.settings.oauthScope;
  }

  /** Runs one turn for an activity whose token Void has verified (claims undefined only in emulator mode). */
  async runVerified(
    activity: Activity,
    claims: JWTPayload | undefined,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    const identity = this.createClaimsIdentity(this.settings.appId);
    if (claims) {
      identity.claims.length = 0;
      for (const [type, value] of Object.entries(claims))
        identity.claims.push({ type, value: Array.isArray(value) ? value.join(' ') : String(value) });
    }
    return this.processActivity(
      {
        audience: this.settings.oauthScope,
        claimsIdentity: identity,
        callerId: claims ? 'urn:botframework:azure' : undefined,
        connectorFactory: this.botFrameworkAuthentication.createConnectorFactory(identity),
      },
      activity,
      logic,
    );
  }

  /** Proactive: a turn in a stored conversation (a worker posting progress after the request has ended). */
  async continueIn(
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    await this.continueConversationAsync(this.settings.appId, reference, this.settings.oauthScope, logic);
  }
}
