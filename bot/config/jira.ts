// JIRA's part of the configuration: the binding in the tenants file (site, projects, and the NAMES of the variables
// holding the site's webhook secret and API credentials), and the checks across environment and tenants that keep
// one tenant's secret from ever speaking for, or being sent to, another tenant's site (ARCHITECTURE invariant 1).
import { z } from 'zod';
import type { Tenant } from '../core/types.js';
import { jiraCredentialsFor, jiraVariableNames, jiraWebhookSecretFor, type Env } from './env.js';

const envName = (kind: 'WEBHOOK_SECRET' | 'EMAIL' | 'API_TOKEN') =>
  z
    .string()
    .regex(
      new RegExp(`^JIRA_${kind}_[A-Z0-9_]{1,63}$`),
      `expected the NAME of an environment variable like JIRA_${kind}_ACME (the value stays in the environment, ` +
        `never in this file)`,
    );

/** Keys that would put a secret into the tenants file: refused with a message saying where it belongs instead. */
const SECRET_KEYS = {
  webhookSecret: 'webhookSecretEnv: JIRA_WEBHOOK_SECRET_<TENANT>',
  apiToken: 'apiTokenEnv: JIRA_API_TOKEN_<TENANT>',
  email: 'emailEnv: JIRA_EMAIL_<TENANT>',
} as const;

/**
 * A JIRA Cloud site is an origin (`https://acme.atlassian.net`): with a path, the webhook's `self` links and the REST
 * calls would not match it. A Data Center site may sit under a context path (`https://jira.example.com/jira`), but
 * never with a query or a fragment.
 */
export function siteUrlProblem(siteUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(siteUrl);
  } catch {
    return undefined; // z.url() reports it
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `expected an http(s) URL, got ${url.protocol}`;
  if (url.search || url.hash)
    return `a JIRA site URL has no query or fragment: use ${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (url.hostname.endsWith('.atlassian.net') && url.pathname.replace(/\/+$/, '') !== '') {
    return (
      `a JIRA Cloud site is just the origin: use ${url.origin} (not ${siteUrl}), or webhooks and API calls will ` +
      `not match it`
    );
  }
  return undefined;
}

export const jiraBindingSchema = z
  .object({
    siteUrl: z.url(),
    projectKeys: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,9}$/, 'expected a JIRA project key like PAY')).default([]),
    webhookSecretEnv: envName('WEBHOOK_SECRET').optional(),
    emailEnv: envName('EMAIL').optional(),
    apiTokenEnv: envName('API_TOKEN').optional(),
    webhookSecret: z.unknown().optional(),
    apiToken: z.unknown().optional(),
    email: z.unknown().optional(),
  })
  .strict()
  .superRefine((binding, ctx) => {
    const problem = siteUrlProblem(binding.siteUrl);
    if (problem) ctx.addIssue({ code: 'custom', path: ['siteUrl'], message: problem });
    for (const [key, instead] of Object.entries(SECRET_KEYS)) {
      if (key in binding) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            `the tenants file never holds JIRA secrets or credentials: put the value in an environment variable ` +
            `and name it here with ${instead}`,
        });
      }
    }
  })
  .transform(({ siteUrl, projectKeys, webhookSecretEnv, emailEnv, apiTokenEnv }) => ({
    siteUrl,
    projectKeys,
    webhookSecretEnv,
    emailEnv,
    apiTokenEnv,
  }));

interface JiraTenant {
  readonly index: number;
  readonly tenant: Tenant;
  readonly binding: NonNullable<Tenant['bindings']['jira']>;
}

export interface JiraConfigReport {
  readonly problems: string[];
  readonly notices: string[];
}

/** The variable pair that would give a tenant its own JIRA credentials. */
function ownCredentials(tenantId: string): string {
  const names = jiraVariableNames(tenantId);
  return `${names.email}/${names.apiToken}`;
}

/** Everything wrong with the JIRA secrets of this environment and these tenants, each said precisely. */
export function checkJiraConfig(env: Env, tenants: readonly Tenant[], file = 'the tenants file'): JiraConfigReport {
  const bound: JiraTenant[] = tenants.flatMap((tenant, index) =>
    tenant.bindings.jira ? [{ index, tenant, binding: tenant.bindings.jira }] : [],
  );
  const report: JiraConfigReport = { problems: [], notices: [] };
  if (env.JIRA_WEBHOOK_SECRET && bound.length > 1) {
    const ids = bound.map((b) => b.tenant.id);
    report.problems.push(
      `JIRA_WEBHOOK_SECRET is one webhook secret shared by every JIRA site, but ${bound.length} tenants bind ` +
        `JIRA (${ids.join(', ')}): ` +
        `the administrator of any one of those sites could sign a delivery that names another tenant's site and ` +
        `members. ` +
        `Give each tenant its own secret (${ids.map((id) => `${jiraVariableNames(id).webhookSecret}=…`).join(', ')}, ` +
        `or name the variable with bindings.jira.webhookSecretEnv), ` +
        `point each site's webhook at https://<your Void host>/jira/webhooks/<tenant id>, ` +
        `and unset JIRA_WEBHOOK_SECRET.`,
    );
  }
  for (const b of bound) checkTenant(env, b, file, report);
  checkDistinct(env, bound, report);
  const shared = bound.filter((b) => usesDeploymentCredentials(env, b));
  if (shared.length > 1) {
    report.problems.push(
      `JIRA_EMAIL/JIRA_API_TOKEN would be sent to ${shared.length} JIRA sites ` +
        `(tenants ${shared.map((b) => b.tenant.id).join(', ')}): ` +
        `the deployment-wide credentials may serve one site only. Give each of these tenants its ` +
        `own ${shared.map((b) => ownCredentials(b.tenant.id)).join(', ')}.`,
    );
  }
  return report;
}

function checkTenant(env: Env, { index, tenant, binding }: JiraTenant, file: string, report: JiraConfigReport): void {
  const vars = env.JIRA_TENANT_VARIABLES ?? {};
  const names = jiraVariableNames(tenant.id, binding);
  const at = `${file}: tenants[${index}].bindings.jira (tenant "${tenant.id}")`;
  for (const [key, name] of [
    ['webhookSecretEnv', binding.webhookSecretEnv],
    ['emailEnv', binding.emailEnv],
    ['apiTokenEnv', binding.apiTokenEnv],
  ] as const) {
    if (name && !vars[name]) report.problems.push(`${at}: ${key} names ${name}, which is not set in the environment`);
  }
  const email = vars[names.email];
  const token = vars[names.apiToken];
  if (Boolean(email) !== Boolean(token)) {
    report.problems.push(
      `${at}: ${email ? names.email : names.apiToken} is set but ${email ? names.apiToken : names.email} is not: ` +
        `Void needs both to call ${binding.siteUrl}`,
    );
  }
  const jiraInUse =
    Boolean(env.JIRA_WEBHOOK_SECRET) || Object.keys(vars).some((k) => k.startsWith('JIRA_WEBHOOK_SECRET_'));
  if (jiraInUse && !vars[names.webhookSecret] && !env.JIRA_WEBHOOK_SECRET) {
    report.notices.push(
      `Tenant "${tenant.id}" binds the JIRA site ${binding.siteUrl} but ${names.webhookSecret} is not set: ` +
        `every webhook delivery for it is refused.`,
    );
  }
}

/** No two tenants may share a webhook secret or an API token: sharing one is speaking for each other. */
function checkDistinct(env: Env, bound: readonly JiraTenant[], report: JiraConfigReport): void {
  const kinds = [
    ['webhook secret', (b: JiraTenant) => jiraWebhookSecretFor(env, b.tenant.id, b.binding)],
    [
      'API token',
      (b: JiraTenant) =>
        usesDeploymentCredentials(env, b) ? undefined : jiraCredentialsFor(env, b.tenant.id, b.binding)?.apiToken,
    ],
  ] as const;
  for (const [kind, valueOf] of kinds) {
    const owners = new Map<string, string>();
    for (const b of bound) {
      const value = valueOf(b);
      if (!value) continue;
      const other = owners.get(value);
      if (other) {
        report.problems.push(
          `tenants "${other}" and "${b.tenant.id}" have the same JIRA ${kind}: each site could then act for the ` +
            `other. Give every tenant its own (a new random webhook secret; an API token of an account of that ` +
            `site).`,
        );
      } else owners.set(value, b.tenant.id);
    }
  }
}

function usesDeploymentCredentials(env: Env, b: JiraTenant): boolean {
  const vars = env.JIRA_TENANT_VARIABLES ?? {};
  const names = jiraVariableNames(b.tenant.id, b.binding);
  return (
    Boolean(env.JIRA_API_TOKEN) &&
    !vars[names.email] &&
    !vars[names.apiToken] &&
    !b.binding.emailEnv &&
    !b.binding.apiTokenEnv
  );
}

/** How the JIRA module reads a tenant's JIRA variables and checks them (integrations/jira/module.ts JiraVariables):
 *  the composition root hands these in, so that the module never imports the configuration. */
export const jiraVariables = {
  credentialsFor: jiraCredentialsFor,
  webhookSecretFor: jiraWebhookSecretFor,
  problems: (env: Env, tenants: readonly Tenant[]): readonly string[] => checkJiraConfig(env, tenants).problems,
};
