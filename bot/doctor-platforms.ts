// `void doctor`, the platform checks: one harmless authenticated call per configured platform and model provider
// (Slack auth.test, the GitHub App, the Bot Connector token, each JIRA site, each model key), each turned into a
// Check. Apart from the command because every platform adds one here and none of them concerns the report.
import { createPrivateKey, createSign } from 'node:crypto';
import { type Config } from './config/load.js';
import { jiraCredentialsFor, jiraVariableNames, jiraWebhookSecretFor, type Env } from './config/env.js';
import { loginAuthority, requestBotToken } from './teams/token.js';
import { check, TIMEOUT_MS, type Check } from './doctor-check.js';

export type Fetch = typeof fetch;

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
  const claims = { iat: nowSeconds - 60, exp: nowSeconds + 540, iss: String(appId) };
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
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
      const account = body.accountId ? ` (account ${String(body.accountId)}: its events are Void's own)` : '';
      const who = `signed in as ${String(body.displayName ?? body.accountId ?? '?')}${account}`;
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
