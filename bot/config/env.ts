// Process configuration from environment variables. The only module that reads process.env.
import { z } from 'zod';

const optionalSecret = z.string().min(1).optional();
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Unset means redis://127.0.0.1:6379, and a private redis-server is started when nothing answers there. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
  MONGODB_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL').optional(),
  /** Unset: info for servers, warn in the console chat (logs would drown the conversation). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  VOID_TENANTS_FILE: z.string().min(1).optional(),
  VOID_KEY_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'expected letters, digits, "-" or "_"').default('void'),
  VOID_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(25 * 1024 * 1024).default(1024 * 1024),
  VOID_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  VOID_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(25_000),
  VOID_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  VOID_DEDUPE_TTL_SECONDS: z.coerce.number().int().min(60).default(4 * 24 * 3600),
  // Platform secrets. Each platform is configured when its secrets are present.
  SLACK_SIGNING_SECRET: optionalSecret,
  SLACK_BOT_TOKEN: optionalSecret,
  SLACK_CLIENT_ID: optionalSecret,
  SLACK_CLIENT_SECRET: optionalSecret,
  SLACK_STATE_SECRET: optionalSecret,
  SLACK_API_URL: z.url().optional(),
  GITHUB_APP_ID: z.coerce.number().int().positive().optional(),
  GITHUB_PRIVATE_KEY: optionalSecret,
  GITHUB_WEBHOOK_SECRET: optionalSecret,
  GITHUB_API_URL: z.url().optional(),
  MICROSOFT_APP_ID: optionalSecret,
  MICROSOFT_APP_PASSWORD: optionalSecret,
  MICROSOFT_APP_TENANT_ID: optionalSecret,
  JIRA_WEBHOOK_SECRET: optionalSecret,
  JIRA_EMAIL: z.string().min(1).optional(),
  JIRA_API_TOKEN: optionalSecret,
  OPENAI_API_KEY: optionalSecret,
  ANTHROPIC_API_KEY: optionalSecret,
  VOID_ENCRYPTION_KEY: optionalSecret,
  VOID_API_TOKEN_PEPPER: optionalSecret,
  METRICS_TOKEN: optionalSecret,
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
] as const satisfies ReadonlyArray<keyof Env>;

export function secretValues(env: Env): string[] {
  return SECRET_VARIABLES.map((name) => env[name]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/** Chat platforms for which credentials are configured. Without any, `npm start` opens the console chat. */
export function configuredPlatforms(env: Env): string[] {
  const platforms: string[] = [];
  if (env.SLACK_SIGNING_SECRET) platforms.push('slack');
  if (env.MICROSOFT_APP_ID) platforms.push('teams');
  if (env.GITHUB_WEBHOOK_SECRET) platforms.push('github');
  if (env.JIRA_WEBHOOK_SECRET) platforms.push('jira');
  return platforms;
}
