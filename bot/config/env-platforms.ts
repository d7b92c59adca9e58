// The chat and ticket platforms' variables (Slack, GitHub, Teams, JIRA): credentials, endpoints and the options
// of each adapter. Apart from the rest of the environment schema (env.ts spreads them into it) so that the server
// settings and the platform credentials each fit on a screen; a platform is configured when its secrets are present.
import { z } from 'zod';

export const optionalSecret = z.string().min(1).optional();
/**
 * Per-tenant JIRA variables: JIRA_WEBHOOK_SECRET_<X>, JIRA_EMAIL_<X>, JIRA_API_TOKEN_<X> (bindings.jira names them).
 */
export const JIRA_TENANT_VARIABLE = /^JIRA_(?:WEBHOOK_SECRET|EMAIL|API_TOKEN)_[A-Z0-9_]{1,63}$/;

/** HTTPS, or plain HTTP to this machine (local fakes and tests). */
export function httpsOrLoopback(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || (u.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(u.hostname));
}

export const platformEnv = {
  SLACK_SIGNING_SECRET: optionalSecret,
  SLACK_BOT_TOKEN: optionalSecret,
  SLACK_CLIENT_ID: optionalSecret,
  SLACK_CLIENT_SECRET: optionalSecret,
  SLACK_STATE_SECRET: optionalSecret,
  SLACK_API_URL: z.url().optional(),
  /** Single-workspace mode: the bot's ids (from auth.test), so that no auth.test call is needed at start. */
  SLACK_BOT_ID: z
    .string()
    .regex(/^B[A-Z0-9]+$/, 'expected a Slack bot id (B…)')
    .optional(),
  SLACK_BOT_USER_ID: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id (U… or W…)')
    .optional(),
  /** OAuth install: the public URL of GET /slack/oauth_redirect (must match the app's redirect URL). */
  SLACK_REDIRECT_URI: z.url().optional(),
  /** Minimum gap between two messages or updates in one Slack channel (Slack allows about one per second). */
  SLACK_CHANNEL_PACE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  GITHUB_APP_ID: z.coerce.number().int().positive().optional(),
  GITHUB_PRIVATE_KEY: optionalSecret,
  GITHUB_WEBHOOK_SECRET: optionalSecret,
  GITHUB_API_URL: z.url().optional(),
  /**
   * Without the GitHub App: the local git repository reviews and deploys use (the console defaults to the current one).
   */
  VOID_LOCAL_REPO: z.string().min(1).optional(),
  MICROSOFT_APP_ID: optionalSecret,
  MICROSOFT_APP_PASSWORD: optionalSecret,
  MICROSOFT_APP_TENANT_ID: optionalSecret,
  /** Teams: where the Bot Framework publishes its token-signing keys (tests point it at a local server). */
  MICROSOFT_OPENID_METADATA_URL: z.url().default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
  /** Teams: the issuer of the tokens the Bot Framework sends to the bot. */
  MICROSOFT_TOKEN_ISSUER: z.string().min(1).default('https://api.botframework.com'),
  /** Teams: the login authority base (tenant appended) where the bot gets its outbound token for the Bot Connector:
   *  any HTTPS host that serves `<base>/<tenant>/oauth2/v2.0/token` (a sovereign cloud, a proxy);
   *  http on loopback only. */
  MICROSOFT_LOGIN_URL: z
    .url()
    .default('https://login.microsoftonline.com/')
    .refine(
      httpsOrLoopback,
      'expected an https:// URL (http:// only on 127.0.0.1 or localhost), like https://login.microsoftonline.us/',
    ),
  /** Teams: the OAuth scope (audience) of that outbound token. */
  MICROSOFT_BOT_OAUTH_SCOPE: z.string().min(1).default('https://api.botframework.com'),
  /** Teams app manifest: the privacy statement and terms of use (unset: Void serves its own at /privacy, /terms). */
  TEAMS_PRIVACY_URL: z.url().refine(httpsOrLoopback, 'expected an https:// URL').optional(),
  TEAMS_TERMS_URL: z.url().refine(httpsOrLoopback, 'expected an https:// URL').optional(),
  /** Teams: local Bot Framework Emulator only. Turns inbound token validation OFF (warned at every start). */
  TEAMS_EMULATOR_MODE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Teams: the Bot Framework channels whose activities Void accepts (comma-separated); anything else is refused. */
  TEAMS_ALLOWED_CHANNELS: z
    .string()
    .regex(
      /^\s*[a-z0-9_-]+(\s*,\s*[a-z0-9_-]+)*\s*$/i,
      'expected channel ids separated by commas, like msteams,webchat',
    )
    .default('msteams')
    .transform((v) => v.split(',').map((c) => c.trim().toLowerCase())),
  JIRA_WEBHOOK_SECRET: optionalSecret,
  JIRA_EMAIL: z.string().min(1).optional(),
  JIRA_API_TOKEN: optionalSecret,
  /** Per-tenant JIRA webhook secrets and credentials, JIRA_WEBHOOK_SECRET_<TENANT>, JIRA_EMAIL_<TENANT> and
   *  JIRA_API_TOKEN_<TENANT> (tenant id upper-cased, "-" as "_"; or the names bindings.jira gives), gathered from the
   *  environment by loadEnv (see jiraCredentialsFor, jiraWebhookSecretFor). */
  JIRA_TENANT_VARIABLES: z.record(z.string().regex(JIRA_TENANT_VARIABLE), z.string().min(1)).default({}),
};
