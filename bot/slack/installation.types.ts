// The shapes of a Slack installation and of the store that keeps it, apart from the stores themselves, so that the
// MongoDB store (loaded on demand by installations.ts) and installations.ts do not import each other.
export interface SlackInstallation {
  readonly tenantId: string;
  readonly teamId: string;
  readonly enterpriseId?: string | undefined;
  readonly botToken: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly appId?: string | undefined;
  readonly scopes: readonly string[];
  /** Slack user id of the person who installed the app. */
  readonly installedBy?: string | undefined;
  readonly installedAt: string;
}

/** What a store keeps: the token sealed. */
export interface StoredInstallation extends Omit<SlackInstallation, 'botToken'> {
  readonly sealedToken: string;
}

export interface InstallationRecords {
  upsert(record: StoredInstallation): Promise<void>;
  findByTeam(teamId: string): Promise<StoredInstallation | undefined>;
  listForTenant(tenantId: string): Promise<StoredInstallation[]>;
  /** Removes a workspace's installation; another tenant's team id removes nothing. */
  remove(tenantId: string, teamId: string): Promise<boolean>;
  close(): Promise<void>;
}
