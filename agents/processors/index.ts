// The processors this build ships, one per job kind. The web role reads the kinds to refuse, at once, a command
// that no worker could run; the worker role builds the processors.
import type { JobQueue } from '../queue.js';
import type { JobKind } from '../queues.js';
import type { Processor } from '../worker.js';
import { statusProcessor } from './status.processor.js';

export interface ProcessorDeps {
  readonly queue: JobQueue;
}

export function createProcessors(deps: ProcessorDeps): Map<JobKind, Processor> {
  return new Map<JobKind, Processor>([['status', statusProcessor(deps.queue)]]);
}

export const AVAILABLE_KINDS: ReadonlySet<JobKind> = new Set<JobKind>(['status']);
