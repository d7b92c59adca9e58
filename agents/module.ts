// The agents module: review, implement, triage and deploy jobs, and the model router they share. GitHub and JIRA
// are reached only through ctx.ports.vcs / ctx.ports.tickets, read when a job runs (module order does not matter).
import type { JobKind } from './queues.js';
import type { Processor } from './worker.js';
import type { VoidModule } from '../bot/modules.js';
import { ModelRouter } from './llm/router.js';
import type { AgentDeps } from './processors/deps.js';
import { deployProcessor } from './processors/deploy.processor.js';
import { implementProcessor } from './processors/implement.processor.js';
import { reviewProcessor } from './processors/review.processor.js';
import { triageProcessor } from './processors/triage.processor.js';

export const AGENT_KINDS = ['review', 'implement', 'triage', 'deploy'] as const satisfies readonly JobKind[];

export function createAgentProcessors(deps: AgentDeps): ReadonlyMap<JobKind, Processor> {
  return new Map<JobKind, Processor>([
    ['review', reviewProcessor(deps)],
    ['implement', implementProcessor(deps)],
    ['triage', triageProcessor(deps)],
    ['deploy', deployProcessor(deps)],
  ]);
}

export interface AgentsModuleOptions {
  readonly deployPollMs?: number;
  readonly deployTimeoutMs?: number;
  /** Router overrides for tests (clock, sleep, jitter). */
  readonly router?: { now?: () => number; sleep?: (ms: number) => Promise<void>; random?: () => number };
}

export function createAgentsModule(options: AgentsModuleOptions = {}): VoidModule {
  return {
    name: 'agents',
    async setup(ctx) {
      const log = ctx.log.child({ module: 'agents' });
      const router = new ModelRouter({ redis: ctx.redis, prefix: ctx.prefix, env: ctx.config.env, audit: ctx.audit, log, ...options.router });
      const deps: AgentDeps = { ports: ctx.ports, redis: ctx.redis, prefix: ctx.prefix, router, log, deployPollMs: options.deployPollMs, deployTimeoutMs: options.deployTimeoutMs };
      return { kinds: AGENT_KINDS, processors: () => createAgentProcessors(deps) };
    },
  };
}

export const agentsModule: VoidModule = createAgentsModule();
