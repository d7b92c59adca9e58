// The `models` section of a tenant in the tenants file (owned by the agents): model providers, routing by task,
// budgets, and the settings of the agents that use them (policy packs, deployable services).
import { z } from 'zod';

export const MODEL_TASKS = ['review', 'implement', 'triage', 'summarise'] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

export const POLICY_PACKS = ['healthcare', 'ecommerce'] as const;
export type PolicyPack = (typeof POLICY_PACKS)[number];

const providerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'expected a lower-case provider id');

const provider = z
  .object({
    id: providerId,
    /** openai, anthropic, or any server that speaks the OpenAI API (Ollama, vLLM, Azure OpenAI) at `baseUrl`. */
    type: z.enum(['openai', 'anthropic', 'openai_compatible']),
    model: z.string().min(1).max(200),
    baseUrl: z.url().optional(),
    /** The name of the key in VOID_MODEL_KEYS, or OPENAI_API_KEY / ANTHROPIC_API_KEY. Never the key itself. */
    keyRef: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected the name of a key, not the key')
      .optional(),
    timeoutMs: z.coerce.number().int().min(100).max(600_000).default(30_000),
    maxOutputTokens: z.coerce.number().int().min(16).max(64_000).default(2_000),
    /** US dollars per million tokens, to enforce cost budgets. */
    inputCostPerMTok: z.coerce.number().min(0).default(0),
    outputCostPerMTok: z.coerce.number().min(0).default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.type === 'openai_compatible' && !p.baseUrl)
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'an openai_compatible provider needs its baseUrl' });
  });

const budgets = z
  .object({
    dailyTokens: z.coerce.number().int().positive().optional(),
    dailyCostUsd: z.coerce.number().positive().optional(),
    callsPerMinute: z.coerce.number().int().positive().default(60),
  })
  .strict();

const retry = z
  .object({
    /** Attempts per model before falling back to the next one (429 and 5xx only). */
    attemptsPerModel: z.coerce.number().int().min(1).max(5).default(2),
    baseBackoffMs: z.coerce.number().int().min(0).max(60_000).default(500),
    maxBackoffMs: z.coerce.number().int().min(0).max(120_000).default(8_000),
  })
  .strict();

const breaker = z
  .object({
    /** Consecutive failures that open the circuit of a provider. */
    failures: z.coerce.number().int().min(1).max(100).default(3),
    coolDownMs: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  })
  .strict();

const service = z.object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name') }).strict();

export const modelsSettingsSchema = z
  .object({
    providers: z.array(provider).default([]),
    /** Task → ordered provider ids. A task without a route uses `default`, else every provider in file order. */
    routes: z.partialRecord(z.enum([...MODEL_TASKS, 'default']), z.array(providerId).min(1)).default({}),
    budgets: budgets.default({ callsPerMinute: 60 }),
    retry: retry.default({ attemptsPerModel: 2, baseBackoffMs: 500, maxBackoffMs: 8_000 }),
    breaker: breaker.default({ failures: 3, coolDownMs: 60_000 }),
    /** Extra QualityAgent checks: PHI-like fields (healthcare), card numbers (ecommerce). */
    policyPacks: z.array(z.enum(POLICY_PACKS)).default([]),
    /** Deployable services → repository (default: the tenant's GitHub org / service name). */
    services: z.record(z.string().regex(/^[\w.-]+$/), service).default({}),
    /** Token budget of the context gathered for one job. */
    contextTokens: z.coerce.number().int().min(1_000).max(1_000_000).default(24_000),
  })
  .strict()
  .superRefine((m, ctx) => {
    const ids = new Set<string>();
    m.providers.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` });
      ids.add(p.id);
    });
    for (const [task, list] of Object.entries(m.routes)) {
      (list ?? []).forEach((id, i) => {
        if (!ids.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', task, i],
            message: `no provider "${id}" in models.providers`,
          });
      });
    }
  });

export type ModelsSettings = z.infer<typeof modelsSettingsSchema>;

/** The schema the tenants file uses (validates everything at load; defaults are applied by modelsOf). */
export const modelsSchema = modelsSettingsSchema.transform((v): Partial<ModelsSettings> => v);
export type ProviderSettings = ModelsSettings['providers'][number];

/** The tenant's section, typed (validated at load; parsed again here because the core keeps it opaque). */
export function modelsOf(tenant: { models: unknown }): ModelsSettings {
  return modelsSettingsSchema.parse(tenant.models ?? {});
}
