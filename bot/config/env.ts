// Process configuration from environment variables. The only module that reads process.env. The platforms'
// variables are in env-platforms.ts.
import { z } from 'zod';
import { JIRA_TENANT_VARIABLE, optionalSecret, platformEnv } from './env-platforms.js';

/**
 * A JSON object of names to secret values in one variable ({"acme-openai": "sk-…"}); `message` says what was expected.
 */
function namedSecrets(message: string) {
  return z
    .string()
    .min(2)
    .transform((text, ctx) => {
      try {
        return z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.string().min(1)).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
    })
    .optional();
}

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Unset means redis://127.0.0.1:6379, and a private redis-server is started when nothing answers there. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  MONGODB_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL')
    .optional(),
  /** Without MONGODB_URL: where the durable embedded store keeps the audit trail, approvals and Slack installations
   *  (docs/storage.md). Created 0700; one process owns it. */
  VOID_DATA_DIR: z.string().min(1).default('./.void/data'),
  /**
   * Without MONGODB_URL: `files` (durable, VOID_DATA_DIR) or `memory` (tests and throwaway demos: nothing survives).
   */
  VOID_EMBEDDED_STORE: z.enum(['files', 'memory']).default('files'),
  /** Unset: info for servers, warn in the console chat (logs would drown the conversation). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  VOID_TENANTS_FILE: z.string().min(1).optional(),
  VOID_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,32}$/, 'expected letters, digits, "-" or "_"')
    .default('void'),
  VOID_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(25 * 1024 * 1024)
    .default(1024 * 1024),
  /** Whole-request deadline of the HTTP server: a client that trickles its request (one byte a second) is cut off. */
  VOID_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  VOID_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  VOID_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(25_000),
  VOID_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /**
   * A job's progress message is updated at most once per this many ms (identical updates skipped;
   * the final state always). 0: every update.
   */
  VOID_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Replace platform identities (Slack user ids, GitHub logins, …) in audit records by erasable pseudonyms. */
  VOID_AUDIT_PSEUDONYMISE_IDENTITIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** BullMQ job lock (a worker that stops renewing it for this long is presumed dead) and stalled-job check. */
  VOID_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  VOID_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  VOID_DEDUPE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(4 * 24 * 3600),
  /** Days the `_system` audit trail (security events, unknown workspaces) is kept; 0 keeps it forever. */
  VOID_SYSTEM_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  /** GitHub and JIRA comment events older than this are refused (replays); at most VOID_DEDUPE_TTL_SECONDS. */
  VOID_MAX_COMMENT_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(3 * 24 * 3600),
  /** V8 collects once the old generation is (1 + this/100) × its live data (docs/operations.md "Memory"); unset: 25
   *  for the web role, V8's own (up to 4 ×) otherwise; 0: V8's own. */
  VOID_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(300).optional(),
  // Deployment and observability (docs/operations.md).
  /** A separate listener for /metrics and /healthz (needed by the worker role, which has no web server). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address of the METRICS_PORT listener; anything but loopback requires METRICS_TOKEN. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** On SIGTERM, /readyz answers 503 this long before intake stops, so the load balancer drains the replica. */
  VOID_READINESS_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /** How many web replicas the deployment runs (the Helm chart sets it): > 1 needs MongoDB as a replica set. */
  VOID_WEB_REPLICAS: z.coerce.number().int().min(1).default(1),
  // OpenTelemetry tracing: off unless an OTLP endpoint is set (standard OTEL_* variables).
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_TRACES_EXPORTER: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: optionalSecret,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optionalSecret,
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  // Platform secrets. Each platform is configured when its secrets are present (env-platforms.ts).
  ...platformEnv,
  OPENAI_API_KEY: optionalSecret,
  ANTHROPIC_API_KEY: optionalSecret,
  VOID_ENCRYPTION_KEY: optionalSecret,
  VOID_API_TOKEN_PEPPER: optionalSecret,
  METRICS_TOKEN: optionalSecret,
  /** The web dashboard (docs/dashboard.md): its public base URL turns it on (links in chat, OIDC redirect URI). */
  VOID_DASHBOARD_URL: z.url().optional(),
  VOID_DASHBOARD_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  VOID_DASHBOARD_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(12),
  VOID_DASHBOARD_SIGNIN_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  /** OIDC client secrets that tenants name in `dashboard.oidc.clientSecretRef`: a JSON object {"acme-okta": "…"}. */
  VOID_OIDC_CLIENT_SECRETS: namedSecrets('expected a JSON object of secret names to client secrets'),
  // Notifications (docs/notifications.md). The SMTP URLs carry the mail password: they are secrets.
  /** The deployment's SMTP server, e.g. smtps://user:pass@mail.example:465. Unset: no mail is sent. */
  VOID_SMTP_URL: optionalSecret,
  /** Per-tenant SMTP servers that tenants name in `notifications.smtpRef`: a JSON object {"acme": "smtp://…"}. */
  VOID_SMTP_URLS: namedSecrets('expected a JSON object of names to values'),
  /** The From address of Void's mail. */
  VOID_MAIL_FROM: z.string().min(3).default('Void <void@localhost>'),
  /** Webhook signing secrets (whsec_…) that tenants name in `notifications.webhooks[].secretRef`: a JSON object. */
  VOID_WEBHOOK_SECRETS: namedSecrets('expected a JSON object of names to values'),
  /**
   * Operator allow-list for outbound webhooks to loopback/private addresses: comma-separated hosts, host:port or CIDRs.
   */
  VOID_OUTBOUND_ALLOW: z.string().min(1).optional(),
  /** Public base URL of the dashboard, for links in mail (links open pages; they never approve by themselves). */
  VOID_PUBLIC_URL: z.url().optional(),
  /** Model API keys that tenants name in `models.providers[].keyRef`: a JSON object {"acme-openai": "sk-…"}. */
  VOID_MODEL_KEYS: namedSecrets('expected a JSON object of key names to key values'),
});

export type Env = z.infer<typeof envSchema>;

/** Names of the variables whose values must never appear in logs, replies, audit records or errors. */
export const SECRET_VARIABLES = [
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'GITHUB_PRIVATE_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'MICROSOFT_APP_PASSWORD',
  'JIRA_WEBHOOK_SECRET',
  'JIRA_API_TOKEN',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'VOID_ENCRYPTION_KEY',
  'VOID_API_TOKEN_PEPPER',
  'METRICS_TOKEN',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'VOID_SMTP_URL',
] as const satisfies ReadonlyArray<keyof Env>;

export function secretValues(env: Env): string[] {
  const jiraTokens = Object.entries(env.JIRA_TENANT_VARIABLES ?? {})
    .filter(([k]) => !k.startsWith('JIRA_EMAIL_'))
    .map(([, v]) => v);
  const values = [
    ...SECRET_VARIABLES.map((name) => env[name]),
    ...Object.values(env.VOID_MODEL_KEYS ?? {}),
    ...Object.values(env.VOID_OIDC_CLIENT_SECRETS ?? {}),
    ...jiraTokens,
    ...Object.values(env.VOID_SMTP_URLS ?? {}),
    ...Object.values(env.VOID_WEBHOOK_SECRETS ?? {}),
    ...smtpPasswords(env),
    urlPassword(env.MONGODB_URL),
    urlPassword(env.REDIS_URL),
  ];
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/** The passwords inside the SMTP URLs, so that an error quoting the password alone is scrubbed too. */
function smtpPasswords(env: Env): string[] {
  return [env.VOID_SMTP_URL, ...Object.values(env.VOID_SMTP_URLS ?? {})].flatMap((url) => {
    try {
      return url ? [decodeURIComponent(new URL(url).password)] : [];
    } catch {
      return [];
    }
  });
}

/** The password inside a connection URL (`mongodb://user:password@host`), decoded, if there is one. */
function urlPassword(url: string | undefined): string | undefined {
  const m = url ? /^[a-z+]+:\/\/[^/@:]*:([^/@]+)@/i.exec(url) : null;
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return m[1];
  }
}

/** Chat platforms for which credentials are configured. Without any, `npm start` opens the console chat. */
export function configuredPlatforms(env: Env): string[] {
  const platforms: string[] = [];
  if (env.SLACK_SIGNING_SECRET) platforms.push('slack');
  if (env.MICROSOFT_APP_ID || env.TEAMS_EMULATOR_MODE) platforms.push('teams');
  if (env.GITHUB_WEBHOOK_SECRET) platforms.push('github');
  if (
    env.JIRA_WEBHOOK_SECRET ||
    Object.keys(env.JIRA_TENANT_VARIABLES ?? {}).some((k) => k.startsWith('JIRA_WEBHOOK_SECRET_'))
  )
    platforms.push('jira');
  return platforms;
}

/**
 * JIRA_WEBHOOK_SECRET_<X> / JIRA_EMAIL_<X> / JIRA_API_TOKEN_<X> variables of the raw environment (read by loadEnv
 * only).
 */
export function pickJiraTenantVariables(raw: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (JIRA_TENANT_VARIABLE.test(key) && value) out[key] = value;
  }
  return out;
}

/** What a tenant's JIRA binding says about its variables (only names, never values). */
export interface JiraVariableRefs {
  readonly webhookSecretEnv?: string | undefined;
  readonly emailEnv?: string | undefined;
  readonly apiTokenEnv?: string | undefined;
}

/** The names of a tenant's JIRA variables: those its binding gives, else JIRA_<KIND>_<TENANT>. */
export function jiraVariableNames(
  tenantId: string,
  refs: JiraVariableRefs = {},
): { webhookSecret: string; email: string; apiToken: string } {
  const suffix = tenantId.toUpperCase().replace(/-/g, '_');
  return {
    webhookSecret: refs.webhookSecretEnv ?? `JIRA_WEBHOOK_SECRET_${suffix}`,
    email: refs.emailEnv ?? `JIRA_EMAIL_${suffix}`,
    apiToken: refs.apiTokenEnv ?? `JIRA_API_TOKEN_${suffix}`,
  };
}

/** A tenant's own JIRA webhook secret (never another tenant's, never the deployment-wide one). */
export function jiraWebhookSecretFor(env: Env, tenantId: string, refs: JiraVariableRefs = {}): string | undefined {
  return (env.JIRA_TENANT_VARIABLES ?? {})[jiraVariableNames(tenantId, refs).webhookSecret];
}

/** A tenant's JIRA API credentials: its own pair, else JIRA_EMAIL/JIRA_API_TOKEN (which the configuration check
 *  allows for at most one tenant, so that one site's token never goes to another site). Never half a pair. */
export function jiraCredentialsFor(
  env: Env,
  tenantId: string,
  refs: JiraVariableRefs = {},
): { email: string; apiToken: string } | undefined {
  const names = jiraVariableNames(tenantId, refs);
  const vars = env.JIRA_TENANT_VARIABLES ?? {};
  const email = vars[names.email];
  const apiToken = vars[names.apiToken];
  if (email && apiToken) return { email, apiToken };
  if (email || apiToken || refs.emailEnv || refs.apiTokenEnv) return undefined;
  return env.JIRA_EMAIL && env.JIRA_API_TOKEN ? { email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN } : undefined;
}
