// Which JIRA accounts are Void itself, per tenant: the account of the tenant's own API credentials, asked of JIRA
// (GET /rest/api/3/myself) at start, plus any `automation.botAccountIds` the tenants file names. Without this Void
// would take its own transitions and label changes for a person's and run rules on them.
import type { Tenant } from '../../bot/core/types.js';
import type { Logger } from '../../bot/core/logger.js';
import { automationOf } from './automation.schema.js';

/** A failed look-up is tried again on the next event after this long, not on every event. */
const RETRY_AFTER_MS = 60_000;

export interface WhoAmI {
  configured(tenantId: string): boolean;
  myself(tenantId: string): Promise<string>;
}

export class BotAccounts {
  private readonly found = new Map<string, string>();
  private readonly failedAt = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly jira: WhoAmI,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Asks JIRA for each configured tenant's own account id (at start; failures are logged and retried lazily). */
  async discoverAll(tenants: readonly Tenant[]): Promise<void> {
    await Promise.all(tenants.filter((t) => this.jira.configured(t.id)).map((t) => this.discover(t)));
  }

  /** The account ids that are Void in this tenant's JIRA site: configured ones and the discovered one. */
  async idsFor(tenant: Tenant): Promise<readonly string[]> {
    const configured = automationOf(tenant).botAccountIds;
    const discovered = this.found.get(tenant.id) ?? (await this.discoverIfDue(tenant));
    return discovered && !configured.includes(discovered) ? [...configured, discovered] : configured;
  }

  /** The discovered id only (for `void doctor` and logs). */
  discovered(tenantId: string): string | undefined {
    return this.found.get(tenantId);
  }

  private discoverIfDue(tenant: Tenant): Promise<string | undefined> {
    if (!this.jira.configured(tenant.id)) return Promise.resolve(undefined);
    const failed = this.failedAt.get(tenant.id);
    if (failed !== undefined && this.now() - failed < RETRY_AFTER_MS) return Promise.resolve(undefined);
    return this.discover(tenant);
  }

  private discover(tenant: Tenant): Promise<string | undefined> {
    const running = this.inFlight.get(tenant.id);
    if (running) return running;
    const work = this.jira
      .myself(tenant.id)
      .then((accountId) => {
        this.found.set(tenant.id, accountId);
        this.failedAt.delete(tenant.id);
        this.log.info(
          { tenant: tenant.id },
          "JIRA: Void's own account found with /myself; its own transitions and comments are not taken for a person's",
        );
        return accountId;
      })
      .catch((error: unknown) => {
        this.failedAt.set(tenant.id, this.now());
        const fallback = automationOf(tenant).botAccountIds.length
          ? 'only automation.botAccountIds are recognised as Void'
          : 'Void recognises its own comments by marker only, and its own transitions not at all, ' +
            'until it can ask again';
        this.log.warn(
          { tenant: tenant.id, err: { message: (error as Error)?.message, code: (error as { code?: string })?.code } },
          `JIRA: could not ask /myself for Void's own account id; ${fallback}`,
        );
        return undefined;
      })
      .finally(() => this.inFlight.delete(tenant.id));
    this.inFlight.set(tenant.id, work);
    return work;
  }
}
