// The tenants file: the organisations one deployment serves. Raw YAML → zod → immutable typed tenants.
import { z } from 'zod';
import { ROLES, type Tenant } from '../core/types.js';
import { githubKey, normaliseId, normaliseSiteUrl } from '../core/registry.js';
import { checkPolicies, policiesSchema } from '../../approvals/policy.schema.js';
import { githubSettingsSchema } from '../../integrations/github/settings.schema.js';
import { automationSchema } from '../../integrations/jira/automation.schema.js';
import { jiraBindingSchema } from './jira.js';
import { modelsSchema } from '../../agents/llm/models.schema.js';
import { auditSettingsSchema } from '../../audit/settings.schema.js';
import { dashboardSettingsSchema } from '../dashboard/settings.schema.js';
import { notificationsSchema } from '../../integrations/notify/settings.schema.js';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lower-case id: letters, digits, "-" or "_", at most 63 characters');

/**
 * One id or a list of ids: a person may have several accounts (a bot or CI account linked to them counts as theirs).
 */
const idList = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** GitHub: `{ id: 583231, login: alice }` (the numeric user id decides; the login is for display) or a bare login
 *  (still accepted, but a renamed login could be taken by someone else: check-config and doctor warn). */
const githubEntry = z.union([
  z
    .string()
    .min(1)
    .regex(/^[^#]+$/, 'a GitHub login has no "#"; give the numeric id as { id: 583231, login: alice }'),
  z
    .object({
      id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      login: z
        .string()
        .min(1)
        .regex(/^[^#]+$/)
        .optional(),
    })
    .strict(),
]);
const githubIdList = z
  .union([githubEntry, z.array(githubEntry).min(1)])
  .transform((value) =>
    (Array.isArray(value) ? value : [value]).map((e) => (typeof e === 'string' ? e : `${e.login ?? ''}#${e.id}`)),
  );

const identities = z
  .object({
    slack: idList.optional(),
    teams: idList.optional(),
    github: githubIdList.optional(),
    jira: idList.optional(),
    email: z
      .union([z.email(), z.array(z.email()).min(1)])
      .transform((value) => (Array.isArray(value) ? value : [value]))
      .optional(),
  })
  .strict();

const member = z
  .object({
    id: slug,
    name: z.string().min(1).max(200),
    roles: z.array(z.enum(ROLES)).min(1, 'a member needs at least one role'),
    identities: identities.default({}),
  })
  .strict();

const bindings = z
  .object({
    slack: z
      .object({
        teamIds: z.array(z.string().regex(/^[TE][A-Z0-9]{2,}$/, 'expected a Slack team id like T0123ABCD')).min(1),
        enterpriseId: z.string().optional(),
      })
      .strict()
      .optional(),
    teams: z
      .object({ tenantId: z.string().min(1) })
      .strict()
      .optional(),
    github: z
      .object({
        org: z.string().min(1),
        installationId: z.coerce
          .number({
            error:
              'required, a number: the GitHub App installation id for this org (the number at the end of the ' +
              "installation's settings page URL)",
          })
          .int()
          .positive(),
      })
      .strict()
      .optional(),
    jira: jiraBindingSchema.optional(),
  })
  .strict();

const limits = z
  .object({
    commandsPerMinute: z.coerce.number().int().positive().default(120),
    memberCommandsPerMinute: z.coerce.number().int().positive().default(30),
    concurrentJobs: z.coerce.number().int().positive().default(10),
    memberConcurrentJobs: z.coerce.number().int().positive().default(3),
  })
  .strict();

const tenant = z
  .object({
    id: slug,
    name: z.string().min(1).max(200),
    bindings: bindings.default({}),
    limits: limits.default({
      commandsPerMinute: 120,
      memberCommandsPerMinute: 30,
      concurrentJobs: 10,
      memberConcurrentJobs: 3,
    }),
    members: z.array(member).default([]),
    policies: policiesSchema.default({ default: 'deny', rules: [] }),
    /** GitHub behaviour (automatic reviews per repository pattern, …): integrations/github. */
    github: githubSettingsSchema.prefault({}),
    /** JIRA automation rules: integrations/jira. */
    automation: automationSchema.prefault({}),
    /** Model providers, routing and budgets: agents/llm. */
    models: modelsSchema.prefault({}),
    /** Audit trail retention: audit/settings.schema.ts. */
    audit: auditSettingsSchema.prefault({}),
    /** Dashboard sign-in (OpenID Connect per tenant): bot/dashboard. */
    dashboard: dashboardSettingsSchema.optional(),
    /** Mail preferences and outbound webhooks: integrations/notify. */
    notifications: notificationsSchema.prefault({}),
  })
  .strict();

export const tenantsFileSchema = z
  .object({
    version: z.literal(1).default(1),
    tenants: z.array(tenant).min(1, 'the file must list at least one tenant'),
  })
  .strict()
  .superRefine((file, ctx) => {
    checkUniqueness(file.tenants, ctx);
  });

export type TenantsFile = z.infer<typeof tenantsFileSchema>;

type RawTenant = z.infer<typeof tenant>;

function checkUniqueness(tenants: readonly RawTenant[], ctx: z.RefinementCtx): void {
  const tenantIds = new Map<string, number>();
  const workspaces = new Map<string, string>();
  tenants.forEach((t, ti) => {
    const seen = tenantIds.get(t.id);
    if (seen !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', ti, 'id'],
        message: `duplicate tenant id "${t.id}" (also tenants[${seen}])`,
      });
    tenantIds.set(t.id, ti);
    for (const [key, path] of bindingKeys(t, ti)) {
      const other = workspaces.get(key);
      if (other)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `this workspace is already bound at ${other}: one workspace serves one tenant`,
        });
      else workspaces.set(key, formatPath(path));
    }
    checkMembers(t, ti, ctx);
    checkPolicies(t, ti, ctx);
  });
}

function checkMembers(t: RawTenant, ti: number, ctx: z.RefinementCtx): void {
  const memberIds = new Map<string, number>();
  const owners = new Map<string, string>();
  t.members.forEach((m, mi) => {
    const seen = memberIds.get(m.id);
    if (seen !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenants', ti, 'members', mi, 'id'],
        message: `duplicate member id "${m.id}" (also members[${seen}])`,
      });
    }
    memberIds.set(m.id, mi);
    for (const platform of ['slack', 'teams', 'github', 'jira', 'email'] as const) {
      const value: unknown = m.identities[platform];
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).forEach((entry: unknown, ii) => {
        const raw = identityText(entry);
        if (raw === undefined) return; // an entry that failed its own check is reported there
        const key = `${platform}\u0000${platform === 'github' ? githubKey(raw) : normaliseId(platform, raw)}`;
        const owner = owners.get(key);
        const path = ['tenants', ti, 'members', mi, 'identities', platform, ii];
        if (owner && owner !== m.id) {
          ctx.addIssue({
            code: 'custom',
            path,
            message:
              `${platform} identity "${raw}" is already linked to member "${owner}": one identity belongs to one ` +
              `person`,
          });
        }
        owners.set(key, m.id);
      });
    }
  });
}

/** An identity entry as written: a string, or GitHub's `{ id, login }` (as `login#id`); undefined if malformed. */
function identityText(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  const e = entry as { id?: unknown; login?: unknown } | null;
  if (
    e &&
    typeof e === 'object' &&
    (typeof e.id === 'number' || typeof e.id === 'string') &&
    /^\d+$/.test(String(e.id))
  )
    return `${typeof e.login === 'string' ? e.login : ''}#${String(e.id)}`;
  return undefined;
}

function bindingKeys(t: RawTenant, ti: number): Array<[string, Array<string | number>]> {
  const base = ['tenants', ti, 'bindings'];
  const keys: Array<[string, Array<string | number>]> = [];
  t.bindings.slack?.teamIds.forEach((id, i) => keys.push([`slack:${id}`, [...base, 'slack', 'teamIds', i]]));
  if (t.bindings.teams) keys.push([`teams:${t.bindings.teams.tenantId.toLowerCase()}`, [...base, 'teams', 'tenantId']]);
  if (t.bindings.github)
    keys.push([`github:${t.bindings.github.installationId}`, [...base, 'github', 'installationId']]);
  if (t.bindings.jira) keys.push([`jira:${normaliseSiteUrl(t.bindings.jira.siteUrl)}`, [...base, 'jira', 'siteUrl']]);
  return keys;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

/** Immutable tenants for the core. */
export function toTenants(file: TenantsFile): Tenant[] {
  return file.tenants.map((t) =>
    Object.freeze({
      id: t.id,
      name: t.name,
      bindings: t.bindings,
      limits: t.limits,
      policies: t.policies,
      github: t.github,
      automation: t.automation,
      models: t.models,
      audit: t.audit,
      ...(t.dashboard ? { dashboard: t.dashboard } : {}),
      notifications: t.notifications,
      members: t.members.map((m) =>
        Object.freeze({ id: m.id, name: m.name, roles: m.roles, identities: m.identities }),
      ),
    }),
  );
}
