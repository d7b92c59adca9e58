// Which bot token speaks for a workspace: the single token from the environment, or the workspace's installation.
// One WebClient per token, so that a 429 pauses only that workspace's sender (the WebClient waits `Retry-After`
// and retries by itself).
import { webApi } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import type { TenantRegistry } from '../core/registry.js';
import type { Logger } from '../logger.js';
import type { InstallationStore } from './installations.js';
import { workspaceIdFor } from './mapper.js';

export interface BotAuth {
  readonly botToken: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly teamId: string;
  readonly tenantId?: string | undefined;
}

/** Bolt's and the WebClient's logger interface on top of pino; debug lines (request metadata) are dropped. */
export function boltLogger(log: Logger): BoltLogger {
  let level = 'warn';
  return {
    debug: () => undefined,
    info: (...msg: unknown[]) => log.debug({ slack: msg.map(String).join(' ') }, 'slack sdk'),
    warn: (...msg: unknown[]) => log.warn({ slack: msg.map(String).join(' ') }, 'slack sdk'),
    error: (...msg: unknown[]) =>
      log.error({ slack: msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ') }, 'slack sdk'),
    setLevel: (l: string) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  } as unknown as BoltLogger;
}

export interface SlackAuthOptions {
  readonly apiUrl?: string | undefined;
  readonly log: Logger;
  readonly registry: TenantRegistry;
  /** Single-workspace mode. */
  readonly single?: { botToken: string; botId?: string | undefined; botUserId?: string | undefined } | undefined;
  /** Multi-workspace mode. */
  readonly installations?: InstallationStore | undefined;
}

interface SingleBot {
  readonly botId: string;
  readonly botUserId: string;
  /** The token's own workspace, when auth.test told it. */
  readonly teamId?: string | undefined;
  readonly enterpriseId?: string | undefined;
}

export class SlackAuth {
  private readonly clients = new Map<string, webApi.WebClient>();
  private singleIds: Promise<SingleBot> | undefined;

  constructor(private readonly options: SlackAuthOptions) {}

  /** A WebClient for a token: the API base URL from SLACK_API_URL, bounded retries, 429s waited out. */
  client(token: string): webApi.WebClient {
    let client = this.clients.get(token);
    if (!client) {
      client = new webApi.WebClient(token, {
        slackApiUrl: this.options.apiUrl,
        logger: boltLogger(this.options.log),
        retryConfig: { retries: 4, minTimeout: 200, maxTimeout: 5_000, factor: 2 },
        timeout: 10_000,
      });
      this.clients.set(token, client);
    }
    return client;
  }

  /**
   * The bot of a workspace, or undefined when Void is not installed there (or the team is bound to no tenant). The
   * installation decides: in multi-workspace mode the team's own installation, bound to the same tenant; in
   * single-workspace mode the one token's own workspace (from auth.test) when it is known, so that a request from
   * another workspace is never answered, nor dispatched, in the name of the token's tenant.
   */
  async forTeam(teamId: string, enterpriseId?: string): Promise<BotAuth | undefined> {
    const registry = this.options.registry;
    const tenant = registry.tenantFor('slack', workspaceIdFor(registry, { teamId, enterpriseId }));
    const single = this.options.single;
    if (single) {
      if (!tenant) return undefined;
      const { botId, botUserId, teamId: ownTeam, enterpriseId: ownEnterprise } = await this.singleBotIds();
      if (ownTeam && ownTeam !== teamId && !(ownEnterprise && ownEnterprise === enterpriseId)) {
        this.options.log.warn(
          { tenant: tenant.id },
          "Slack request from a workspace other than the bot token's own refused",
        );
        return undefined;
      }
      return { botToken: single.botToken, botId, botUserId, teamId, tenantId: tenant.id };
    }
    const installation = await this.options.installations?.find(teamId);
    if (!installation || !tenant || installation.tenantId !== tenant.id) return undefined;
    return {
      botToken: installation.botToken,
      botId: installation.botId,
      botUserId: installation.botUserId,
      teamId,
      tenantId: tenant.id,
    };
  }

  /** Single-workspace: ids from SLACK_BOT_ID/SLACK_BOT_USER_ID, else one auth.test call at first use (which also
   *  names the token's own workspace). */
  private singleBotIds(): Promise<SingleBot> {
    const single = this.options.single;
    if (!single) throw new Error('not in single-workspace mode');
    if (single.botId && single.botUserId) return Promise.resolve({ botId: single.botId, botUserId: single.botUserId });
    this.singleIds ??= this.client(single.botToken)
      .auth.test()
      .then((r) => ({
        botId: String(r.bot_id ?? ''),
        botUserId: String(r.user_id ?? ''),
        teamId: r.team_id ? String(r.team_id) : undefined,
        enterpriseId: r.enterprise_id ? String(r.enterprise_id) : undefined,
      }))
      .catch((error: unknown) => {
        this.singleIds = undefined;
        throw error;
      });
    return this.singleIds;
  }
}
