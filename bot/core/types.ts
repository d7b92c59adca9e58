import type { ApprovalCard } from './approval-card.js';
import type { Platform } from './platform.js';

// The neutral model of Void. Adapters translate platform payloads into these types at the edge; everything
// behind the adapters (dispatcher, approvals, audit, agents) reasons only in these terms.

export const ROLES = ['developer', 'tech_lead', 'devops', 'compliance_officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export { PLATFORMS, type Platform } from './platform.js';

/** One person's accounts on every platform. A member is one human: all of these resolve to the same principal. */
export interface Identities {
  slack?: readonly string[];
  teams?: readonly string[];
  github?: readonly string[];
  jira?: readonly string[];
  email?: readonly string[];
}

export interface Member {
  /** Stable pseudonymous id of the person inside the tenant (e.g. `alice`). Used in audit records. */
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly identities: Identities;
}

export interface TenantBindings {
  slack?: { teamIds: readonly string[]; enterpriseId?: string | undefined };
  teams?: { tenantId: string };
  github?: { org: string; installationId: number };
  jira?: {
    siteUrl: string;
    projectKeys: readonly string[];
    /** Names (never values) of the environment variables holding this site's webhook secret and API credentials;
     *  unset: JIRA_WEBHOOK_SECRET_<TENANT>, JIRA_EMAIL_<TENANT>, JIRA_API_TOKEN_<TENANT>. */
    webhookSecretEnv?: string | undefined;
    emailEnv?: string | undefined;
    apiTokenEnv?: string | undefined;
  };
}

export interface TenantLimits {
  /** Commands a tenant may issue per minute, all members together. */
  readonly commandsPerMinute: number;
  /** Commands one person may issue per minute. */
  readonly memberCommandsPerMinute: number;
  /** Jobs of this tenant running at the same time, across every worker. */
  readonly concurrentJobs: number;
  /** Jobs of one person running at the same time. */
  readonly memberConcurrentJobs: number;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly bindings: TenantBindings;
  readonly members: readonly Member[];
  readonly limits: TenantLimits;
  /** The sections below are validated at load by their modules' schemas; kept opaque here so that the core
   *  depends on nothing. Each module reads its own section with its own typed parser. */
  readonly policies: unknown;
  readonly github: unknown;
  readonly automation: unknown;
  readonly models: unknown;
  readonly audit: unknown;
  /** The web dashboard's sign-in settings (bot/dashboard/settings.schema.ts); absent: chat links only. */
  readonly dashboard?: unknown;
  /** Mail preferences and outbound webhooks (integrations/notify); absent in tenants built by hand. */
  readonly notifications?: unknown;
}

/** A resolved actor: the person (principal) and the platform identity they spoke through. */
export interface Actor {
  readonly tenantId: string;
  readonly memberId: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly platform: Platform;
  readonly platformUserId: string;
}

/** Where a reply goes: enough for the platform adapter to post into the original thread. */
export interface ThreadRef {
  readonly platform: Platform;
  /** Platform-specific location (channel + thread ts, PR number, ticket key, console session). */
  readonly channel: string;
  readonly thread?: string | undefined;
}

/** What a platform adapter hands to the dispatcher once the request is authenticated. */
export interface InboundCommand {
  readonly platform: Platform;
  /** Workspace-level id that binds to a tenant: Slack team id, AAD tenant id, GitHub installation id, JIRA site. */
  readonly workspaceId: string;
  readonly platformUserId: string;
  /** An immutable id of the person where the platform has one besides platformUserId (GitHub's numeric user id,
   *  `sender.id`): identities are matched by it, so that a renamed login is not the member. */
  readonly stableUserId?: string | undefined;
  /** The command text with the bot mention or `/void` prefix removed. */
  readonly text: string;
  readonly thread: ThreadRef;
  /** The platform's delivery id (Slack event_id, X-GitHub-Delivery, …): the key that makes redeliveries no-ops. */
  readonly deliveryId: string;
  readonly receivedAt?: Date;
  /** The queued item (intake job id) running this command: a delivery claim left by an earlier run of the same item
   *  (a worker killed mid-way) is taken over, not read as a duplicate; any other claim still is. */
  readonly attempt?: string | undefined;
}

/** A message for a person, in neutral form; adapters render it (Block Kit, Adaptive Card, Markdown, console). */
export interface Reply {
  readonly text: string;
  /** Shown only to the person who asked, where the platform allows it. */
  readonly private?: boolean;
  /** Ties progress updates of one job to one message, updated in place. */
  readonly key?: string;
  readonly kind?: 'answer' | 'refusal' | 'progress' | 'usage' | 'approval';
  /** The opening word of a keyed message ("queued as job …"): written only if nothing was written under its key yet,
   *  so that a job whose worker already said "started" never reads "queued" again. */
  readonly opening?: boolean;
  /** For kind 'approval': the request to render with Approve / Reject buttons (updated in place by its key). */
  readonly approval?: ApprovalCard;
}
