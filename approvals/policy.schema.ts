// The `policies` section of a tenant in the tenants file. The approvals module owns its rules; the configuration
// loader validates the section with this schema (and checkPolicies, which needs the tenant's members) so that a
// bad policy stops Void at start with the path and a precise message.
import { z } from 'zod';
import { ACTION_NAMES } from '../bot/core/grammar.js';
import { ROLES, type Role } from '../bot/core/types.js';
import { describeQuorum, meetableWithout, parseQuorum, type Candidate, type QuorumClause } from './quorum.js';

const DURATION = /^(\d{1,6})\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_TTL_MS = 30 * UNIT_MS.d;

/** "90s", "30m", "4h", "2d" → milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms >= 1000 && ms <= MAX_TTL_MS ? ms : undefined;
}

const pattern = z
  .union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const action = z.enum([...ACTION_NAMES, '*'], { error: `expected an action: ${ACTION_NAMES.join(', ')} or "*"` });

const quorum = z.string().transform((text, ctx): QuorumClause[] => {
  const parsed = parseQuorum(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.refusal.message });
    return z.NEVER;
  }
  return parsed.clauses;
});

const ttl = z.string().transform((text, ctx): number => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration between 1s and 30d like "90s", "30m", "4h" or "2d" (got "${text.slice(0, 40)}")`,
    });
    return z.NEVER;
  }
  return ms;
});

const canceller = z.string().refine((v) => v === 'requester' || (ROLES as readonly string[]).includes(v), {
  error: (issue) =>
    `unknown role "${String(issue.input).slice(0, 40)}" in cancel; use "requester" or a role: ${ROLES.join(', ')}`,
});

export const ruleSchema = z
  .object({
    /** Shown in prompts, refusals and audit records. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lower-case rule name: letters, digits, "-" or "_"'),
    description: z.string().max(500).optional(),
    action: z.union([action, z.array(action).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    /** Target patterns ("*" matches anything): a rule with a pattern only matches commands that have that target. */
    environment: pattern.optional(),
    service: pattern.optional(),
    repository: pattern.optional(),
    project: pattern.optional(),
    quorum,
    ttl: ttl.default(24 * UNIT_MS.h),
    voidOnTargetChange: z.boolean().default(true),
    /** deploy: what happens when the ref moves before the quorum is met. Default: `void` for production-like
     *  environments (prod*), `keep-pinned` elsewhere; the pinned commit is what deploys either way. */
    onTargetMoved: z.enum(['void', 'keep-pinned']).optional(),
    /** Whether someone who authored a commit being deployed or reviewed may approve it (default: no). */
    authorsMayApprove: z.boolean().default(false),
    /** deploy: skip the repository's required status checks. Only when said here; the card then says so. */
    waiveStatusChecks: z.boolean().default(false),
    /** implement: folders the agent may write under (default: conventional source and test folders). CI and build
     *  configuration stay out whatever this says. */
    writePaths: z
      .array(
        z
          .string()
          .regex(/^(?!\/)(?!.*\.\.)[\w@.\-/]+\/$/, 'expected a folder ending in "/", like src/ or packages/api/'),
      )
      .min(1)
      .optional(),
    cancel: z.array(canceller).min(1).default(['requester', 'admin']),
  })
  .strict();

export const policiesSchema = z
  .object({
    /** What happens to an action that no rule matches: `deny` (the default) or `allow`. */
    default: z.enum(['deny', 'allow']).default('deny'),
    rules: z.array(ruleSchema).default([]),
    /** JIRA project → repository for `implement <KEY>` without "in owner/repo" (e.g. PAY: acme/payments). */
    repositories: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'expected a JIRA project key like PAY'),
        z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo'),
      )
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const names = new Map<string, number>();
    p.rules.forEach((r, i) => {
      const seen = names.get(r.name);
      if (seen !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name "${r.name}" (also rules[${seen}])`,
        });
      names.set(r.name, i);
    });
  });

export type PoliciesConfig = z.infer<typeof policiesSchema>;
export type PolicyRule = PoliciesConfig['rules'][number];

/** A tenant's policies section, as the tenants-file loader parsed it (anything else reads as "deny everything"). */
export function policiesOf(tenant: { readonly policies: unknown }): PoliciesConfig {
  const p = tenant.policies as Partial<PoliciesConfig> | undefined;
  if (!p || !Array.isArray(p.rules) || !p.rules.every((r) => Array.isArray(r?.quorum) && typeof r.ttl === 'number'))
    return { default: 'deny', rules: [], repositories: {} };
  return { default: p.default === 'allow' ? 'allow' : 'deny', rules: p.rules, repositories: p.repositories ?? {} };
}

interface TenantLike {
  readonly id: string;
  readonly members: ReadonlyArray<{ readonly id: string; readonly roles: readonly Role[] }>;
  readonly policies: PoliciesConfig;
}

/**
 * Checks that need the tenant's members: a quorum that no requester can ever get approved (whoever asks, the
 * members left cannot fill it) is reported with its path. A quorum that only some requesters cannot meet (e.g. the
 * only tech_lead asking) is allowed here; `policy explain` and the gate tell that requester.
 */
export function checkPolicies(tenant: TenantLike, tenantIndex: number, ctx: z.RefinementCtx): void {
  const members: Candidate[] = tenant.members.map((m) => ({ id: m.id, roles: m.roles }));
  if (members.length === 0) return;
  tenant.policies.rules.forEach((rule, ri) => {
    if (rule.quorum.length === 0) return;
    if (members.some((m) => meetableWithout(rule.quorum, members, m.id))) return;
    ctx.addIssue({
      code: 'custom',
      path: ['tenants', tenantIndex, 'policies', 'rules', ri, 'quorum'],
      message:
        `rule "${rule.name}": the quorum "${describeQuorum(rule.quorum)}" can never be met by the members ` +
        `of ${tenant.id} with the requester excluded (${holders(rule.quorum, members)})`,
    });
  });
}

export function holders(clauses: readonly QuorumClause[], members: readonly Candidate[]): string {
  const roles = [...new Set(clauses.flatMap((c) => c.roles))];
  return roles
    .map((role) => {
      const who = members.filter((m) => m.roles.includes(role)).map((m) => m.id);
      return `${role}: ${who.length ? who.join(', ') : 'nobody'}`;
    })
    .join('; ');
}
