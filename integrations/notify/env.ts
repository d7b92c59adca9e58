// The part of the environment notifications read (mail servers, webhook secrets, the outbound allow-list). Typed
// here, in the module, and handed in by the application (the configuration is parsed and checked in bot/config/).
import type { Tenant } from '../../bot/core/types.js';

export interface NotifyEnv {
  readonly VOID_KEY_PREFIX: string;
  readonly VOID_SMTP_URL?: string | undefined;
  readonly VOID_SMTP_URLS?: Readonly<Record<string, string>> | undefined;
  readonly VOID_MAIL_FROM: string;
  readonly VOID_OUTBOUND_ALLOW?: string | undefined;
  readonly VOID_WEBHOOK_SECRETS?: Readonly<Record<string, string>> | undefined;
  readonly VOID_PUBLIC_URL?: string | undefined;
  readonly VOID_DASHBOARD_URL?: string | undefined;
}

/** The configuration notifications read: the environment's part, and the tenants. */
export interface NotifyConfig {
  readonly env: NotifyEnv;
  readonly tenants: readonly Tenant[];
}
