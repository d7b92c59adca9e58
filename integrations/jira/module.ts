// The JIRA integration as one Void module: one webhook URL per tenant, /jira/webhooks/<tenant>, verified with that
// tenant's own secret (JIRA_WEBHOOK_SECRET_<TENANT> or bindings.jira.webhookSecretEnv; the single-tenant legacy
// JIRA_WEBHOOK_SECRET keeps /jira/webhooks), and, for tenants with JIRA credentials, the `tickets` port, the JIRA
// ChatPort, `jira create|show`, and the pull request listener that moves tickets along with their pull requests.
// Approvals needs the tickets at set-up, so JIRA reaches approvals through a deferred (read when a webhook arrives).
import { VoidError } from '../../bot/core/errors.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { CommandOverrides } from '../../bot/core/commands.js';
import type { AuditLog } from '../../bot/core/audit.js';
import type { JobSubmitter } from '../../bot/core/jobs.js';
import type { ModuleContext, ModuleContribution, NeededPorts, VoidModule } from '../../bot/core/module.js';
import type { Tenant } from '../../bot/core/types.js';
import { BotAccounts } from './bot-accounts.js';
import { JiraChatPort } from './chat.js';
import { JiraTicketClient } from './client.js';
import { jiraCommandRunner } from './jira.command.js';
import { pullRequestListener } from './pull-requests.js';
import { handleQueued } from './queued.js';
import { jiraWebhook, type JiraReceiverDeps, type JiraVerifier } from './receiver.js';

export const JIRA_WEBHOOK_PATH = '/jira/webhooks';

/** The part of the environment the module reads itself. */
export interface JiraEnv {
  readonly JIRA_WEBHOOK_SECRET?: string | undefined;
  readonly VOID_DEDUPE_TTL_SECONDS: number;
  readonly VOID_MAX_COMMENT_AGE_SECONDS: number;
}

type JiraBinding = Tenant['bindings']['jira'];

/** How the configuration names each tenant's JIRA secrets, and its checks across environment and tenants: the
 *  configuration's own (bot/config/jira.ts jiraVariables), handed in by the composition root. */
export interface JiraVariables<E extends JiraEnv> {
  credentialsFor(env: E, tenantId: string, refs?: JiraBinding): { email: string; apiToken: string } | undefined;
  webhookSecretFor(env: E, tenantId: string, refs?: JiraBinding): string | undefined;
  problems(env: E, tenants: readonly Tenant[]): readonly string[];
}

const NEEDS = { approvals: 'deferred' } as const;

export function createJiraModule<E extends JiraEnv>(
  vars: JiraVariables<E>,
): VoidModule<{ readonly env: E }, AuditLog, JobSubmitter, typeof NEEDS> {
  return {
    name: 'jira',
    needs: NEEDS,
    provides: ['tickets', 'pullRequestListeners'],
    setup: (ctx, ports) => setupJira(ctx, ports, vars),
  };
}

async function setupJira<E extends JiraEnv>(
  ctx: ModuleContext<{ readonly env: E }>,
  ports: NeededPorts<typeof NEEDS>,
  vars: JiraVariables<E>,
): Promise<ModuleContribution> {
  const env = ctx.config.env;
  const log = ctx.log.child({ module: 'jira' });
  // Defence in depth: loadConfig refuses these already, but a process assembled otherwise must not run with them.
  const problems = vars.problems(env, ctx.registry.list());
  if (problems.length) throw new VoidError('jira.config', problems.join('\n'));
  const credentials = (tenantId: string) =>
    vars.credentialsFor(env, tenantId, ctx.registry.get(tenantId)?.bindings.jira);
  const tickets = new JiraTicketClient({ registry: ctx.registry, credentials, redis: ctx.redis, prefix: ctx.prefix });
  const bound = ctx.registry.list().filter((t) => t.bindings.jira);
  const configured = bound.filter((t) => tickets.configured(t.id));
  // Loud only where JIRA is in use in this deployment (the console with the example tenants is not).
  const verifierFor = webhookVerifiers(env, ctx.registry, vars);
  const warn = verifierFor.any || configured.length ? log.warn.bind(log) : log.debug.bind(log);
  for (const t of bound) {
    if (verifierFor.any && !verifierFor(t.id) && verifierFor(undefined)?.tenant !== t)
      warn(
        { tenant: t.id },
        'JIRA site bound without a webhook secret (JIRA_WEBHOOK_SECRET_<TENANT>): its deliveries are refused',
      );
    if (!tickets.configured(t.id))
      warn(
        { tenant: t.id },
        'JIRA site bound without API credentials (JIRA_EMAIL_<TENANT>/JIRA_API_TOKEN_<TENANT>): ' +
          'Void cannot comment on its tickets',
      );
  }
  // Void's own account on each site, asked of JIRA at start (automation.botAccountIds, if given, count too).
  const botAccounts = new BotAccounts(tickets, log);
  const chat = configured.length ? new JiraChatPort(ctx.registry, tickets) : undefined;
  const provides = configured.length
    ? {
        tickets,
        pullRequestListeners: [
          pullRequestListener({
            registry: ctx.registry,
            tickets,
            audit: ctx.audit,
            ledger: ctx.ledger(env.VOID_DEDUPE_TTL_SECONDS, 300),
            log,
          }),
        ],
      }
    : {};
  const deps: JiraReceiverDeps = {
    verifierFor,
    botAccounts,
    registry: ctx.registry,
    audit: ctx.audit,
    dispatcher: ctx.dispatcher,
    approvals: () => ports.approvals.get(),
    chat: () => chat,
    ownComment: (tenantId, key, id) =>
      tickets.configured(tenantId) ? tickets.isOwnComment(tenantId, key, id) : Promise.resolve(false),
    log,
    replay: {
      ledger: ctx.ledger(env.VOID_DEDUPE_TTL_SECONDS),
      ttlSeconds: env.VOID_DEDUPE_TTL_SECONDS,
      maxCommentAgeSeconds: env.VOID_MAX_COMMENT_AGE_SECONDS,
    },
    intake: ctx.intake,
    dedupeWindowMs: env.VOID_DEDUPE_TTL_SECONDS * 1000,
  };
  // Deliveries are acked once queued (one round trip); a worker handles them here, in any process.
  if (verifierFor.any) ctx.intake.register('jira', (item, attempt) => handleQueued(deps, item, attempt, log));
  return {
    provides,
    ...(chat
      ? { chatPorts: { jira: chat }, commands: { jira: jiraCommandRunner(tickets) } as Partial<CommandOverrides> }
      : {}),
    ...(verifierFor.any
      ? {
          routes: (http) => {
            const receive = jiraWebhook(deps);
            http.inbound(`${JIRA_WEBHOOK_PATH}/:tenant`, receive, { platform: 'jira' });
            http.inbound(JIRA_WEBHOOK_PATH, receive, { platform: 'jira' });
          },
        }
      : {}),
    // Not awaited: a slow JIRA must not hold up the start; an event that arrives first waits for the answer.
    start: async () => {
      void botAccounts.discoverAll(configured);
    },
  };
}

/** Which secret may verify a delivery to a URL: `/jira/webhooks/<tenant>` → that tenant's own secret only;
 *  `/jira/webhooks` → the legacy JIRA_WEBHOOK_SECRET, and only while exactly one tenant binds JIRA. */
function webhookVerifiers<E extends JiraEnv>(
  env: E,
  registry: TenantRegistry,
  vars: JiraVariables<E>,
): ((tenantParam: string | undefined) => JiraVerifier | undefined) & { any: boolean } {
  const bound = registry.list().filter((t) => t.bindings.jira);
  const own = new Map<string, JiraVerifier>();
  for (const tenant of bound) {
    const secret = vars.webhookSecretFor(env, tenant.id, tenant.bindings.jira);
    if (secret) own.set(tenant.id, { tenant, secret });
  }
  const single = bound.length === 1 ? bound[0] : undefined;
  const legacy = env.JIRA_WEBHOOK_SECRET && single ? { tenant: single, secret: env.JIRA_WEBHOOK_SECRET } : undefined;
  const find = (tenantParam: string | undefined) => (tenantParam === undefined ? legacy : own.get(tenantParam));
  return Object.assign(find, { any: own.size > 0 || Boolean(env.JIRA_WEBHOOK_SECRET) });
}
