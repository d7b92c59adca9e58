// What the agent processors share: the ports (checked when a job runs), Redis for checkpoints, the model router.
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TicketPort } from '../../bot/core/ticket.port.js';
import type { VcsPort } from '../../bot/core/vcs.port.js';
import type { Logger } from '../../bot/core/logger.js';
import type { ModelRouter } from '../llm/router.js';
import type { JobResult, ProcessorContext } from '../worker.js';

/** The ports the agents use (undefined when this build does not provide one). */
export interface AgentPorts {
  readonly vcs?: VcsPort | undefined;
  readonly tickets?: TicketPort | undefined;
}

export interface AgentDeps {
  readonly ports: AgentPorts;
  readonly redis: Redis;
  readonly prefix: string;
  readonly router: ModelRouter;
  readonly log: Logger;
  /** How often and how long a deploy job follows the deployment's status. */
  readonly deployPollMs?: number;
  readonly deployTimeoutMs?: number;
}

export function requireVcs(ports: AgentPorts): VcsPort {
  if (!ports.vcs)
    throw new UnrecoverableError(
      'agents.no_vcs: GitHub is not configured for this deployment, so this job cannot read or change repositories',
    );
  return ports.vcs;
}

export function requireTickets(ports: AgentPorts): TicketPort {
  if (!ports.tickets)
    throw new UnrecoverableError(
      'agents.no_tickets: JIRA is not configured for this deployment, so this job cannot read tickets',
    );
  return ports.tickets;
}

/** A used-up model budget is not a transient failure: the job stops, says why, and is not retried. */
export function withBudgetGuard(
  run: (ctx: ProcessorContext) => Promise<JobResult>,
): (ctx: ProcessorContext) => Promise<JobResult> {
  return async (ctx) => {
    try {
      return await run(ctx);
    } catch (error) {
      if ((error as Error)?.name === 'BudgetExhaustedError') {
        throw new UnrecoverableError(`model.budget_exhausted: nothing was changed because ${(error as Error).message}`);
      }
      throw error;
    }
  };
}

export function callMeta(ctx: ProcessorContext): { correlationId: string; jobId: string } {
  return { correlationId: ctx.data.correlationId, jobId: ctx.jobId };
}
