// The agents module: review, implement, triage and deploy jobs, and the model router they share. GitHub and JIRA
// are reached only through ctx.ports.vcs / ctx.ports.tickets, read when a job runs (module order does not matter).
import type { VoidModule } from '../bot/core/module.js';
import type { ModelKeys } from './llm/providers/index.js';
import { ModelRouter } from './llm/router.js';
import type { AgentDeps } from './processors/deps.js';
import { AGENT_KINDS, createAgentProcessors } from './processors/index.js';

export interface AgentsModuleOptions {
  readonly deployPollMs?: number;
  readonly deployTimeoutMs?: number;
  /** Router overrides for tests (clock, sleep, jitter). */
  readonly router?: { now?: () => number; sleep?: (ms: number) => Promise<void>; random?: () => number };
}

export function createAgentsModule(options: AgentsModuleOptions = {}): VoidModule<{ readonly env: ModelKeys }> {
  return {
    name: 'agents',
    async setup(ctx) {
      const log = ctx.log.child({ module: 'agents' });
      const router = new ModelRouter({
        redis: ctx.redis,
        prefix: ctx.prefix,
        env: ctx.config.env,
        audit: ctx.audit,
        log,
        ...options.router,
      });
      const deps: AgentDeps = {
        ports: ctx.ports,
        redis: ctx.redis,
        prefix: ctx.prefix,
        router,
        log,
        deployPollMs: options.deployPollMs,
        deployTimeoutMs: options.deployTimeoutMs,
      };
      return { kinds: AGENT_KINDS, processors: () => createAgentProcessors(deps) };
    },
  };
}

export const agentsModule = createAgentsModule();
