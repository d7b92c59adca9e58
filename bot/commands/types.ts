// The command contract as the application's own runners see it: the kernel's (bot/core/commands.ts), with the
// concrete trail and job queue (cancel and status read jobs back from the queue). Modules use the kernel's directly.
import type { AuditTrail } from '../../audit/trail.js';
import type { JobQueue } from '../../agents/queue.js';
import type { Command } from '../core/grammar.js';
import type * as Core from '../core/commands.js';

export {
  answer,
  auditActor,
  refusal,
  type ApprovalGate,
  type CommandOverride,
  type CommandOverrides,
  type GateDecision,
  type JobRequest,
} from '../core/commands.js';

export interface Services extends Core.Services {
  readonly audit: AuditTrail;
  readonly queue: JobQueue;
}

export type CommandContext = Core.CommandContext<Services>;

export type CommandRunner<C extends Command = Command> = Core.CommandRunner<C, CommandContext>;

export type CommandRegistry = Core.CommandRegistry<CommandContext>;
