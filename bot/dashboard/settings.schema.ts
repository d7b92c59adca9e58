// A tenant's dashboard settings: its OpenID Connect provider (Okta, Entra ID, Google Workspace, Keycloak, …).
// The client secret is never in the tenants file: `clientSecretRef` names an entry of VOID_OIDC_CLIENT_SECRETS.
import { z } from 'zod';
import type { Tenant } from '../core/types.js';

export const oidcSettingsSchema = z
  .object({
    issuer: z.url(),
    clientId: z.string().min(1).max(500),
    clientSecretRef: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected the name of an entry of VOID_OIDC_CLIENT_SECRETS'),
    /** How an ID token finds its member: its verified `email` claim among the members' identities.email (default),
     *  or its `sub` claim in `subjects` below. */
    match: z.enum(['email', 'sub']).default('email'),
    /** `sub` claim → member id, for match: sub. */
    subjects: z.record(z.string().min(1), z.string().min(1)).default({}),
    scopes: z.array(z.string().regex(/^[\x21-\x7e]+$/)).default(['openid', 'email', 'profile']),
  })
  .strict();

export const dashboardSettingsSchema = z.object({ oidc: oidcSettingsSchema.optional() }).strict();

export type OidcSettings = z.infer<typeof oidcSettingsSchema>;
export type DashboardSettings = z.infer<typeof dashboardSettingsSchema>;

export function dashboardSettingsOf(tenant: Tenant): DashboardSettings {
  const parsed = dashboardSettingsSchema.safeParse(tenant.dashboard ?? {});
  return parsed.success ? parsed.data : {};
}
