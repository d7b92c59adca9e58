// The JIRA integration as one Void module: the webhook route (when JIRA_WEBHOOK_SECRET is set), and, for tenants
// with JIRA credentials, the TicketPort (ctx.ports.tickets), the JIRA ChatPort, `jira create|show`, and the listener
// that moves tickets along with their pull requests.
import { jiraCredentialsFor } from '../../bot/config/env.js';
import type { CommandRegistry } from '../../bot/commands/types.js';
import { DeliveryLedger } from '../../bot/idempotency.js';
import type { ModuleContribution, VoidModule } from '../../bot/modules.js';
import { automationOf } from './automation.schema.js';
import { JiraChatPort, JiraTicketClient } from './client.js';
import { jiraCommandRunner } from './jira.command.js';
import { pullRequestListener } from './pull-requests.js';
import { jiraWebhookHandler } from './receiver.js';

export const JIRA_WEBHOOK_PATH = '/jira/webhooks';

export const jiraModule: VoidModule = {
  name: 'jira',
  async setup(ctx): Promise<ModuleContribution> {
    const env = ctx.config.env;
    const log = ctx.log.child({ module: 'jira' });
    const tickets = new JiraTicketClient({ registry: ctx.registry, credentials: (tenantId) => jiraCredentialsFor(env, tenantId), redis: ctx.redis, prefix: ctx.prefix });
    const bound = ctx.registry.list().filter((t) => t.bindings.jira);
    const configured = bound.filter((t) => tickets.configured(t.id));
    // Loud only where JIRA is in use in this deployment (the console with the example tenants is not).
    const warn = env.JIRA_WEBHOOK_SECRET || configured.length ? log.warn.bind(log) : log.debug.bind(log);
    for (const t of bound) {
      if (!tickets.configured(t.id)) warn({ tenant: t.id }, 'JIRA site bound without API credentials (JIRA_EMAIL_<TENANT>/JIRA_API_TOKEN_<TENANT>): Void cannot comment on its tickets');
      else if (!automationOf(t).botAccountIds.length) warn({ tenant: t.id }, 'automation.botAccountIds is empty: Void recognises its own JIRA comments by marker only, and its own transitions not at all');
    }
    const chat = configured.length ? new JiraChatPort(ctx.registry, tickets) : undefined;
    if (configured.length) {
      ctx.ports.tickets = tickets;
      (ctx.ports.pullRequestListeners ??= []).push(
        pullRequestListener({ registry: ctx.registry, tickets, audit: ctx.audit, ledger: new DeliveryLedger(ctx.redis, ctx.prefix, env.VOID_DEDUPE_TTL_SECONDS, 300), log }),
      );
    }
    const secret = env.JIRA_WEBHOOK_SECRET;
    return {
      ...(chat ? { chatPorts: { jira: chat }, commands: { jira: jiraCommandRunner(tickets) } as Partial<CommandRegistry> } : {}),
      ...(secret
        ? {
            routes: (http) => {
              http.route('POST', JIRA_WEBHOOK_PATH, jiraWebhookHandler({ secret, registry: ctx.registry, audit: ctx.audit, dispatcher: ctx.dispatcher, approvals: () => ctx.ports.approvals, chat: () => chat, log, replay: { redis: ctx.redis, prefix: ctx.prefix, ttlSeconds: env.VOID_DEDUPE_TTL_SECONDS, maxCommentAgeSeconds: env.VOID_MAX_COMMENT_AGE_SECONDS } }));
            },
          }
        : {}),
    };
  },
};
