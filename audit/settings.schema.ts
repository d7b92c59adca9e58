// The `audit` section of a tenant in the tenants file: how long the tenant's trail is kept.
import { z } from 'zod';

export const auditSettingsSchema = z
  .object({
    /**
     * Records older than this many days are pruned (a checkpoint record keeps the chain verifiable). Unset:
     * kept forever.
     */
    retentionDays: z.coerce.number().int().min(1, 'retentionDays must be at least 1').max(36_500).optional(),
  })
  .strict();

export type AuditSettings = z.infer<typeof auditSettingsSchema>;

/** The tenant's audit settings (validated at load; parsed again here so that the core can keep the section opaque). */
export function auditSettingsOf(tenant: { readonly audit?: unknown }): AuditSettings {
  const parsed = auditSettingsSchema.safeParse(tenant.audit ?? {});
  return parsed.success ? parsed.data : {};
}
