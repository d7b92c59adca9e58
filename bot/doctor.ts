// `void doctor`: checks the configuration, Redis (version, eviction policy, persistence), the store (MongoDB and
// its topology) and every configured platform's credentials with one harmless call each, and prints what is wrong
// and how to fix it. Exit code 1 when a check failed. Secrets are never printed.
import { createPrivateKey, createSign } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from './config/load.js';
import { jiraCredentialsFor, jiraVariableNames, jiraWebhookSecretFor, secretValues, type Env } from './config/env.js';
import { resolveGithubIds } from './config/github-ids.js';
import { scrubber } from './logger.js';
import { DEFAULT_REDIS_URL, redactUrl } from './redis.js';
import { notificationChecks } from '../integrations/notify/doctor.js';
import { loginAuthority, requestBotToken } from './teams/token.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

const check = (name: string, status: CheckStatus, detail: string, fix?: string): Check =>
  fix ? { name, status, detail, fix } : { name, status, detail };
const TIMEOUT_MS = 5_000;

// ---- MongoDB topology (shared with the start-up check in observability.ts) ----

export interface MongoTopology {
  readonly setName?: string;
  readonly version?: string;
}

/** Connects once, asks `hello` and `buildInfo`, disconnects. Throws when MongoDB does not answer. */
export async function mongoTopology(url: string): Promise<MongoTopology> {
  const { default: mongoose } = await import('mongoose');
  const connection = mongoose.createConnection(url, { bufferCommands: false, serverSelectionTimeoutMS: TIMEOUT_MS });
  try {
    await connection.asPromise();
    const admin = connection.db?.admin();
    const hello = (await admin?.command({ hello: 1 })) as { setName?: string } | undefined;
    const build = (await admin?.command({ buildInfo: 1 }).catch(() => undefined)) as { version?: string } | undefined;
    return {
      ...(hello?.setName ? { setName: hello.setName } : {}),
      ...(build?.version ? { version: build.version } : {}),
    };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Warn when several web replicas share a MongoDB that is not a replica set (no transactions, no failover). */
export function replicaSetAdvice(
  topology: MongoTopology,
  webReplicas: number,
): { level: 'ok' | 'info' | 'warn'; message: string } {
  if (topology.setName) return { level: 'ok', message: `MongoDB is replica set "${topology.setName}".` };
  const message = 'MongoDB is not a replica set: no failover, and multi-document transactions are unavailable.';
  if (webReplicas > 1)
    return {
      level: 'warn',
      message:
        `${message} ${webReplicas} web replicas are configured (VOID_WEB_REPLICAS): run MongoDB as a replica set ` +
        `(a single-node one will do: mongod --replSet rs0, then rs.initiate()).`,
    };
  return { level: 'info', message: `${message} Fine for one web replica; run a replica set before scaling out.` };
}

// ---- Redis ----

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

export async function checkRedis(url: string): Promise<Check[]> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = parseInfo(await client.info());
    const version = info.redis_version ?? 'unknown';
    const out: Check[] = [];
    if (!versionAtLeast(version, 6, 2))
      out.push(
        check(
          'redis.version',
          'fail',
          `Redis ${version} at ${redactUrl(url)}`,
          'BullMQ needs Redis 6.2 or newer: upgrade Redis.',
        ),
      );
    else out.push(check('redis.version', 'ok', `Redis ${version} at ${redactUrl(url)}`));
    const policy = info.maxmemory_policy ?? 'unknown';
    if (policy !== 'noeviction')
      out.push(
        check(
          'redis.eviction',
          'fail',
          `maxmemory-policy is "${policy}": Redis may evict queued jobs; Void refuses to start`,
          'Set "maxmemory-policy noeviction" (redis.conf or CONFIG SET maxmemory-policy noeviction).',
        ),
      );
    else out.push(check('redis.eviction', 'ok', 'maxmemory-policy noeviction'));
    const save = await client.config('GET', 'save').then(
      (r) => String((r as string[])[1] ?? ''),
      () => 'unknown',
    );
    if (info.aof_enabled === '1')
      out.push(
        check('redis.persistence', 'ok', `AOF on${save && save !== 'unknown' ? `, RDB snapshots "${save}"` : ''}`),
      );
    else if (save && save !== 'unknown')
      out.push(
        check(
          'redis.persistence',
          'warn',
          `AOF off; RDB snapshots only ("${save}"): jobs since the last snapshot are lost on a crash`,
          'Turn AOF on: "appendonly yes" (BullMQ production guide).',
        ),
      );
    else
      out.push(
        check(
          'redis.persistence',
          'warn',
          'AOF off and no RDB snapshots (or CONFIG is not allowed): a Redis crash or restart loses queued and ' +
            'delayed jobs (approved work, approval expiry timers), the delivery ids that stop retries running ' +
            'twice, and the audit API tokens',
          'Turn AOF on: "appendonly yes" with "appendfsync everysec" (as deploy/compose.yaml does), ' +
            'or check your managed Redis persistence settings.',
        ),
      );
    return out;
  } catch (error) {
    return [
      check(
        'redis',
        'fail',
        `Redis does not answer at ${redactUrl(url)} (${(error as Error).message})`,
        'Start Redis or point REDIS_URL at one (redis://host:6379).',
      ),
    ];
  } finally {
    client.disconnect();
  }
}

export async function checkStore(env: Env): Promise<Check> {
  if (!env.MONGODB_URL)
    return check(
      'store',
      'warn',
      'MONGODB_URL is not set: approvals and the audit trail live in memory and are lost on restart',
      'Set MONGODB_URL=mongodb://host:27017/void?replicaSet=rs0 for production.',
    );
  try {
    const topology = await mongoTopology(env.MONGODB_URL);
    const advice = replicaSetAdvice(topology, env.VOID_WEB_REPLICAS);
    const detail = `MongoDB ${topology.version ?? ''} at ${redactUrl(env.MONGODB_URL)}: ${advice.message}`.replace(
      '  ',
      ' ',
    );
    return check(
      'store',
      advice.level === 'warn' ? 'warn' : 'ok',
      detail,
      advice.level === 'ok'
        ? undefined
        : 'Run MongoDB as a replica set (compose.yaml in deploy/ shows a single-node one).',
    );
  } catch (error) {
    return check(
      'store',
      'fail',
      `MongoDB does not answer at ${redactUrl(env.MONGODB_URL)} (${(error as Error).name})`,
      'Start MongoDB or correct MONGODB_URL.',
    );
  }
}

// ---- Platforms: one harmless authenticated call each ----

type Fetch = typeof fetch;

async function call(
  fetcher: Fetch,
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetcher(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}

async function attempt(name: string, fix: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (error) {
    return check(name, 'fail', `no answer (${(error as Error).name})`, fix);
  }
}

export function githubAppJwt(appId: number, privateKeyPem: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: String(appId) })}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(createPrivateKey(privateKeyPem.replace(/\\n/g, '\n')))
    .toString('base64url');
  return `${unsigned}.${signature}`;
}

function slackCheck(env: Env, fetcher: Fetch): Promise<Check> | undefined {
  if (!env.SLACK_BOT_TOKEN) {
    if (env.SLACK_SIGNING_SECRET && !env.SLACK_CLIENT_ID)
      return Promise.resolve(
        check(
          'slack',
          'fail',
          'SLACK_SIGNING_SECRET is set but neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID',
          'Set SLACK_BOT_TOKEN (one workspace) or the OAuth variables SLACK_CLIENT_ID/SECRET (many).',
        ),
      );
    return env.SLACK_CLIENT_ID
      ? Promise.resolve(
          check('slack', 'ok', 'OAuth install (SLACK_CLIENT_ID): workspace tokens are checked when installed'),
        )
      : undefined;
  }
  const fix = 'Check SLACK_BOT_TOKEN (xoxb-…) under OAuth & Permissions, or reinstall the app to the workspace.';
  const base = (env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  return attempt('slack', fix, async () => {
    const { body } = await call(fetcher, `${base}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}` },
    });
    if (body.ok === true)
      return check(
        'slack',
        'ok',
        `auth.test: team ${String(body.team ?? body.team_id ?? '?')}, bot user ${String(body.user_id ?? '?')}`,
      );
    return check('slack', 'fail', `auth.test refused: ${String(body.error ?? 'unknown error')}`, fix);
  });
}

function githubCheck(env: Env, fetcher: Fetch): Promise<Check> | undefined {
  if (!env.GITHUB_APP_ID && !env.GITHUB_PRIVATE_KEY && !env.GITHUB_WEBHOOK_SECRET) return undefined;
  if (!env.GITHUB_APP_ID || !env.GITHUB_PRIVATE_KEY || !env.GITHUB_WEBHOOK_SECRET) {
    return Promise.resolve(
      check(
        'github',
        'fail',
        'GitHub needs GITHUB_APP_ID, GITHUB_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET together',
        'Copy them from the GitHub App settings page.',
      ),
    );
  }
  const fix =
    'Check GITHUB_APP_ID and GITHUB_PRIVATE_KEY (the PEM from the App settings page; generate a new key if in doubt).';
  const base = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  return attempt('github', fix, async () => {
    let jwt: string;
    try {
      jwt = githubAppJwt(env.GITHUB_APP_ID as number, env.GITHUB_PRIVATE_KEY as string);
    } catch {
      return check('github', 'fail', 'GITHUB_PRIVATE_KEY is not a readable PEM private key', fix);
    }
    const { status, body } = await call(fetcher, `${base}/app`, {
      headers: { authorization: `Bearer ${jwt}`, accept: 'application/vnd.github+json', 'user-agent': 'void-doctor' },
    });
    if (status === 200) return check('github', 'ok', `GET /app: app "${String(body.slug ?? body.name ?? '?')}"`);
    return check('github', 'fail', `GET /app answered ${status}`, fix);
  });
}

function teamsCheck(env: Env, fetcher: Fetch): Promise<Check> | undefined {
  if (!env.MICROSOFT_APP_ID) return undefined;
  const fix =
    "Check MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD (a client secret of the Azure Bot's app registration) " +
    'and MICROSOFT_APP_TENANT_ID.';
  if (!env.MICROSOFT_APP_PASSWORD)
    return Promise.resolve(check('teams', 'fail', 'MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD', fix));
  const authority = loginAuthority(env.MICROSOFT_LOGIN_URL, env.MICROSOFT_APP_TENANT_ID);
  return requestBotToken({
    authority,
    appId: env.MICROSOFT_APP_ID,
    password: env.MICROSOFT_APP_PASSWORD,
    scope: env.MICROSOFT_BOT_OAUTH_SCOPE,
    timeoutMs: TIMEOUT_MS,
    fetch: fetcher,
  }).then((result) => {
    if (result.ok)
      return check('teams', 'ok', `Bot Framework token issued for the app id by ${new URL(authority).host}`);
    if (result.refusal.code === 'teams.login_unreachable')
      return check(
        'teams',
        'fail',
        `${result.refusal.message}: replies to Teams would be lost`,
        `Check MICROSOFT_LOGIN_URL (now ${env.MICROSOFT_LOGIN_URL}) and that this machine can reach it (proxy, ` +
          `firewall, DNS).`,
      );
    return check(
      'teams',
      'fail',
      `token request refused: ${result.refusal.message}; replies to Teams would be lost`,
      fix,
    );
  });
}

/** Each tenant's own JIRA credentials against its own site only: one tenant's token never goes to another's site. */
function jiraChecks(config: Config, fetcher: Fetch): Array<Promise<Check>> {
  const env = config.env;
  const inUse = Boolean(
    env.JIRA_WEBHOOK_SECRET || env.JIRA_API_TOKEN || Object.keys(env.JIRA_TENANT_VARIABLES ?? {}).length,
  );
  if (!inUse) return [];
  const bound = config.tenants.filter((t) => t.bindings.jira);
  return bound.map((tenant) => {
    const binding = tenant.bindings.jira as NonNullable<typeof tenant.bindings.jira>;
    const names = jiraVariableNames(tenant.id, binding);
    const name = `jira ${tenant.id} (${binding.siteUrl})`;
    const hasSecret = Boolean(
      jiraWebhookSecretFor(env, tenant.id, binding) || (env.JIRA_WEBHOOK_SECRET && bound.length === 1),
    );
    const creds = jiraCredentialsFor(env, tenant.id, binding);
    const fix =
      `Set ${names.email} and ${names.apiToken}: an API token (id.atlassian.com) of the bot account that can ` +
      `see ${binding.siteUrl}.`;
    if (!creds)
      return Promise.resolve(
        check(
          name,
          'warn',
          `no API credentials: Void cannot comment on or move this site's ` +
            `tickets${hasSecret ? '' : `, and ${names.webhookSecret} is not set`}`,
          fix,
        ),
      );
    const auth = `Basic ${Buffer.from(`${creds.email}:${creds.apiToken}`).toString('base64')}`;
    return attempt(name, fix, async () => {
      const { status, body } = await call(fetcher, `${binding.siteUrl.replace(/\/+$/, '')}/rest/api/3/myself`, {
        headers: { authorization: auth, accept: 'application/json' },
      });
      if (status !== 200) return check(name, 'fail', `GET /rest/api/3/myself answered ${status}`, fix);
      const who = `signed in as ${String(body.displayName ?? body.accountId ?? '?')}${body.accountId ? ` (account ${String(body.accountId)}: its events are Void's own)` : ''}`;
      return hasSecret
        ? check(name, 'ok', who)
        : check(
            name,
            'warn',
            `${who}; ${names.webhookSecret} is not set, so its webhook deliveries are refused`,
            `Set ${names.webhookSecret} to the secret of this site's JIRA webhook (URL /jira/webhooks/${tenant.id}).`,
          );
    });
  });
}

function modelChecks(env: Env, fetcher: Fetch): Array<Promise<Check>> {
  const out: Array<Promise<Check>> = [];
  const probe = (name: string, url: string, headers: Record<string, string>, fix: string) =>
    attempt(name, fix, async () => {
      const { status } = await call(fetcher, url, { headers });
      return status === 200
        ? check(name, 'ok', 'the key lists models')
        : check(name, 'fail', `GET ${new URL(url).pathname} answered ${status}`, fix);
    });
  if (env.OPENAI_API_KEY)
    out.push(
      probe(
        'openai',
        'https://api.openai.com/v1/models',
        { authorization: `Bearer ${env.OPENAI_API_KEY}` },
        'Check OPENAI_API_KEY.',
      ),
    );
  if (env.ANTHROPIC_API_KEY)
    out.push(
      probe(
        'anthropic',
        'https://api.anthropic.com/v1/models',
        { 'x-api-key': env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' },
        'Check ANTHROPIC_API_KEY.',
      ),
    );
  return out;
}

export function platformChecks(config: Config, fetcher: Fetch = fetch): Promise<Check[]> {
  const env = config.env;
  const pending = [
    slackCheck(env, fetcher),
    githubCheck(env, fetcher),
    teamsCheck(env, fetcher),
    ...jiraChecks(config, fetcher),
    ...modelChecks(env, fetcher),
  ];
  return Promise.all(pending.filter((p): p is Promise<Check> => Boolean(p)));
}

// ---- The command ----

const MARK: Record<CheckStatus, string> = { ok: '✔', warn: '!', fail: '✘', skip: '-' };

export function formatChecks(checks: readonly Check[], scrub: (s: string) => string): string {
  const lines = checks.map(
    (c) => `${MARK[c.status]} ${c.name}: ${c.detail}${c.fix && c.status !== 'ok' ? `\n    fix: ${c.fix}` : ''}`,
  );
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed
      ? `${failed} problem(s) to fix, ${warned} warning(s).`
      : `No problems found${warned ? ` (${warned} warning(s))` : ''}.`,
  );
  return scrub(lines.join('\n'));
}

/** Runs every check and prints the report; resolves the exit code (0: nothing failed, 1: something to fix). */
export async function runDoctor(options: {
  out: Writable;
  raw?: NodeJS.ProcessEnv;
  fetch?: Fetch;
  resolveGithubIds?: boolean;
}): Promise<number> {
  let config: Config;
  try {
    config = options.raw ? loadConfig(options.raw) : loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((p) =>
      check('config', 'fail', p, 'Correct it; `void check-config` re-checks just this.'),
    );
    options.out.write(
      `${formatChecks([...problems, check('everything else', 'skip', 'not checked until the configuration is valid')], (s) => s)}\n`,
    );
    return 1;
  }
  if (options.resolveGithubIds)
    return resolveGithubIds(config.tenants, options.out, { apiUrl: config.env.GITHUB_API_URL, fetch: options.fetch });
  const checks: Check[] = [check('config', 'ok', `${config.tenants.length} tenant(s) from ${config.tenantsFile.path}`)];
  for (const notice of config.notices) checks.push(check('config', 'warn', notice));
  checks.push(...(await checkRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL)));
  checks.push(await checkStore(config.env));
  const platforms = await platformChecks(config, options.fetch ?? fetch);
  checks.push(
    ...(platforms.length
      ? platforms
      : [check('platforms', 'skip', 'no chat platform or model provider configured (console only)')]),
  );
  checks.push(...(await notificationChecks(config, config.env.REDIS_URL ?? DEFAULT_REDIS_URL)));
  options.out.write(`${formatChecks(checks, scrubber(secretValues(config.env)))}\n`);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
