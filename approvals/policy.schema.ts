// The `policies` section of a tenant in the tenants file. The approvals module owns its rules; the
// configuration loader validates the section with this schema so that a bad policy stops Void at start.
import { z } from 'zod';

export const policiesSchema = z
  .object({
    /** What happens to an action that no rule matches: `deny` (the default) or `allow`. */
    default: z.enum(['deny', 'allow']).default('deny'),
    rules: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();

export type PoliciesConfig = z.infer<typeof policiesSchema>;
