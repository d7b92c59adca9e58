// The `automation` section of a tenant in the tenants file (owned by the JIRA integration): which JIRA events start
// which Void command, how pull requests move tickets, and which JIRA accounts are Void itself (never a trigger).
import { z } from 'zod';
import type { Tenant } from '../../bot/core/types.js';

/** Pull request lifecycle steps that can comment on and transition a ticket (PullRequestEvent actions). */
export const PR_STEPS = ['opened', 'reopened', 'ready_for_review', 'review_approved', 'merged', 'closed'] as const;
export type PrStep = (typeof PR_STEPS)[number];

const projectKey = z.string().regex(/^[A-Z][A-Z0-9_]{0,9}$/, 'expected a JIRA project key like PAY');
const label = z.string().regex(/^\S{1,255}$/, 'a JIRA label has no spaces');
const statusName = z.string().trim().min(1).max(100);
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as Array<z.infer<T>>);

const trigger = z
  .object({
    /** Issue created, issue updated, or both (default both). */
    events: oneOrMany(z.enum(['created', 'updated'])).default(['created', 'updated']),
    /** Only in these projects (default: every project of the tenant's JIRA binding). */
    projects: oneOrMany(projectKey).default([]),
    /** Every one of these labels is on the ticket. */
    labels: oneOrMany(label).default([]),
    components: oneOrMany(z.string().min(1)).default([]),
    issueTypes: oneOrMany(z.string().min(1)).default([]),
    /** The update moves the ticket to this status (an `updated` event whose changelog has this status change). */
    transitionTo: statusName.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.transitionTo && !t.events.includes('updated')) {
      ctx.addIssue({
        code: 'custom',
        path: ['transitionTo'],
        message: 'a transition only happens on "updated" events',
      });
    }
    if (!t.transitionTo && !t.labels.length && !t.components.length && !t.issueTypes.length) {
      ctx.addIssue({
        code: 'custom',
        message: 'a trigger needs at least one condition: labels, components, issueTypes or transitionTo',
      });
    }
  });

const repo = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'expected a repository like acme/payments');

const action = z.discriminatedUnion('type', [
  z.object({ type: z.literal('triage') }).strict(),
  z.object({ type: z.literal('implement'), repo }).strict(),
]);

const rule = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lower-case rule name: letters, digits, "-" or "_"'),
    trigger,
    action,
  })
  .strict();

const pullRequests = z
  .object({
    /** Steps that post a comment on the ticket named by the pull request. */
    comment: z.array(z.enum(PR_STEPS)).default(['opened', 'review_approved', 'merged', 'closed']),
    /** Step → the status the ticket moves to (by transition name or target status name). */
    transitions: z.partialRecord(z.enum(PR_STEPS), statusName).default({}),
  })
  .strict();

// Top-level keys are optional so that a tenant without the section validates as `{}` (the tenants file schema
// defaults the section to `{}`); automationOf() fills in the defaults.
export const automationSchema = z
  .object({
    /** JIRA account ids that are Void itself (the API token's account): their events never trigger Void. */
    botAccountIds: oneOrMany(z.string().min(1)).optional(),
    rules: z.array(rule).optional(),
    pullRequests: pullRequests.optional(),
    triage: z
      .object({ setLabels: z.boolean().default(false) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    (a.rules ?? []).forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
      seen.add(r.name);
    });
  });

export interface AutomationSettings {
  readonly botAccountIds: readonly string[];
  readonly rules: readonly AutomationRule[];
  readonly pullRequests: z.infer<typeof pullRequests>;
  readonly triage: { readonly setLabels: boolean };
}
export type AutomationRule = z.infer<typeof rule>;

const parsed = new WeakMap<object, AutomationSettings>();

/** The tenant's automation section, typed (the tenants file was validated at load; defaults filled in here). */
export function automationOf(tenant: Tenant): AutomationSettings {
  const raw = (tenant.automation ?? {}) as object;
  let settings = parsed.get(raw);
  if (!settings) {
    const s = automationSchema.parse(raw);
    settings = {
      botAccountIds: s.botAccountIds ?? [],
      rules: s.rules ?? [],
      pullRequests: s.pullRequests ?? pullRequests.parse({}),
      triage: s.triage ?? { setLabels: false },
    };
    parsed.set(raw, settings);
  }
  return settings;
}
