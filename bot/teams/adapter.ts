// botbuilder's CloudAdapter, fed with activities that Void's own receiver has already authenticated (receiver.ts):
// the adapter runs the turn and makes the outbound Bot Connector calls (token from the configured login URL).
import type { JWTPayload } from 'jose';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConversationReference, type InvokeResponse, type TurnContext } from 'botbuilder';
import type { Env } from '../config/env.js';

export interface TeamsSettings {
  readonly appId: string;
  readonly emulator: boolean;
  readonly oauthScope: string;
}

export function teamsSettings(env: Env): TeamsSettings {
  return { appId: env.MICROSOFT_APP_ID ?? '', emulator: env.TEAMS_EMULATOR_MODE, oauthScope: env.MICROSOFT_BOT_OAUTH_SCOPE };
}

function authentication(env: Env): ConfigurationBotFrameworkAuthentication {
  const tenant = env.MICROSOFT_APP_TENANT_ID;
  const loginBase = env.MICROSOFT_LOGIN_URL.endsWith('/') ? env.MICROSOFT_LOGIN_URL : `${env.MICROSOFT_LOGIN_URL}/`;
  return new ConfigurationBotFrameworkAuthentication({
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
  });
}

export class VoidCloudAdapter extends CloudAdapter {
  constructor(
    env: Env,
    private readonly settings: TeamsSettings,
  ) {
    super(authentication(env));
  }

  /** The audience of outbound tokens (the Bot Connector). */
  get audience(): string {
    return this.settings.oauthScope;
  }

  /** Runs one turn for an activity whose token Void has verified (claims undefined only in emulator mode). */
  async runVerified(activity: Activity, claims: JWTPayload | undefined, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    const identity = this.createClaimsIdentity(this.settings.appId);
    if (claims) {
      identity.claims.length = 0;
      for (const [type, value] of Object.entries(claims)) identity.claims.push({ type, value: Array.isArray(value) ? value.join(' ') : String(value) });
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
  async continueIn(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.continueConversationAsync(this.settings.appId, reference, this.settings.oauthScope, logic);
  }
}
