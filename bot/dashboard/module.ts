// The dashboard module: server-rendered pages in the web role (approvals inbox, jobs, audit, compliance, tenant,
// system) and the `login` command. On when VOID_DASHBOARD_URL is set (docs/dashboard.md). It decides nothing
// itself: approvals go through the `approvals` port, the same service chat uses.
import { ModelBudget } from '../../agents/llm/budget.js';
import { commandRegistry } from '../commands/index.js';
import type { CommandRunner } from '../commands/types.js';
import type { Command } from '../core/grammar.js';
import type { VoidModule } from '../modules.js';
import type { DashboardDeps } from './context.js';
import { OidcSignIn } from './oidc.js';
import { registerAudit } from './pages/audit.js';
import { registerInbox } from './pages/inbox.js';
import { registerJobs } from './pages/jobs.js';
import { registerReadOnly } from './pages/tenant.js';
import { loginCommand } from './login.command.js';
import { SessionStore } from './sessions.js';
import { registerSignIn } from './signin.js';
import { registerStatic } from './static.js';

export interface DashboardModuleOptions {
  /** How often the live stream looks for changes (default 500 ms: updates reach the page within a second). */
  readonly pollMs?: number;
}

const NEEDS = { approvals: 'optional' } as const;

export function dashboardModule(options: DashboardModuleOptions = {}): VoidModule<typeof NEEDS> {
  return {
    name: 'dashboard',
    needs: NEEDS,
    async setup(ctx, ports) {
      const env = ctx.config.env;
      const baseUrl = env.VOID_DASHBOARD_URL;
      if (!baseUrl) return {};
      const sessions = new SessionStore(ctx.redis, ctx.prefix, {
        idleMs: env.VOID_DASHBOARD_IDLE_MINUTES * 60_000,
        absoluteMs: env.VOID_DASHBOARD_ABSOLUTE_HOURS * 3_600_000,
      });
      const deps: DashboardDeps = {
        env,
        registry: ctx.registry,
        audit: ctx.audit,
        queue: ctx.queue,
        sessions,
        oidc: new OidcSignIn(env, sessions, (id) => ctx.registry.get(id)),
        approvals: () => ports.approvals,
        pollMs: options.pollMs ?? 500,
        modelSpend: (tenantId) => new ModelBudget(ctx.redis, ctx.prefix).spent(tenantId),
        platformHealth: () => ctx.platformHealth(),
        runCommand: async (viewer, command) => {
          const services = ctx.dispatcher().services;
          if (!services.extraCommands?.[command.name])
            return [{ kind: 'refusal', text: `"${command.name}" is not enabled in this deployment.` }];
          const correlationId = `web-${viewer.session.id}-${Date.now().toString(36)}`;
          const log = ctx.log.child({ module: 'dashboard', tenant: viewer.tenant.id });
          const runner = commandRegistry(services.extraCommands)[command.name] as CommandRunner<Command>;
          return runner(
            {
              tenant: viewer.tenant,
              actor: viewer.actor,
              thread: { platform: 'web', channel: 'dashboard' },
              deliveryId: correlationId,
              correlationId,
              log,
              services,
            },
            command,
          );
        },
      };
      return {
        commands: { login: loginCommand(sessions, baseUrl) },
        routes: (http) => {
          registerStatic(http, baseUrl.startsWith('https:'));
          registerSignIn(http, deps);
          registerInbox(http, deps);
          registerJobs(http, deps);
          registerAudit(http, deps);
          registerReadOnly(http, deps);
        },
      };
    },
  };
}

export const dashboard: VoidModule<typeof NEEDS> = dashboardModule();
