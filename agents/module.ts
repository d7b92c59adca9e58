// The agents module: review, implement, triage and deploy jobs, and the model router they share. GitHub and JIRA
// are reached only through the `vcs` and `tickets` ports, handed in at set-up (undefined when not configured: a job
// that needs one says so when it runs).
import type { AuditLog } from '../bot/core/audit.js';
import type { JobSubmitter } from '../bot/core/jobs.js';
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

const NEEDS = { vcs: 'optional', tickets: 'optional' } as const;

export function createAgentsModule(
  options: AgentsModuleOptions = {},
): VoidModule<{ readonly env: ModelKeys }, AuditLog, JobSubmitter, typeof NEEDS> {
  return {
    name: 'agents',
    needs: NEEDS,
    async setup(ctx, { vcs, tickets }) {
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
        ports: { vcs, tickets },
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
