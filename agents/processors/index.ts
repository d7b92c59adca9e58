// Every processor this build ships, one per job kind, in one place. `status` runs in every worker (it needs only the
// queue); the agent kinds come with the agents module (module.ts), which builds them from AgentDeps. The web role
// reads the kinds to refuse, at once, a command that no worker could run.
import type { JobQueue } from '../queue.js';
import type { JobKind } from '../queues.js';
import type { Processor } from '../worker.js';
import type { AgentDeps } from './deps.js';
import { deployProcessor } from './deploy.processor.js';
import { implementProcessor } from './implement.processor.js';
import { reviewProcessor } from './review.processor.js';
import { statusProcessor } from './status.processor.js';
import { triageProcessor } from './triage.processor.js';

export interface ProcessorDeps {
  readonly queue: JobQueue;
}

/** The kinds every worker runs, whatever modules are loaded. */
export const AVAILABLE_KINDS: ReadonlySet<JobKind> = new Set<JobKind>(['status']);

export function createProcessors(deps: ProcessorDeps): Map<JobKind, Processor> {
  return new Map<JobKind, Processor>([['status', statusProcessor(deps.queue)]]);
}

/** The kinds the agents module adds. */
export const AGENT_KINDS = ['review', 'implement', 'triage', 'deploy'] as const satisfies readonly JobKind[];

export function createAgentProcessors(deps: AgentDeps): ReadonlyMap<JobKind, Processor> {
  return new Map<JobKind, Processor>([
    ['review', reviewProcessor(deps)],
    ['implement', implementProcessor(deps)],
    ['triage', triageProcessor(deps)],
    ['deploy', deployProcessor(deps)],
  ]);
}
