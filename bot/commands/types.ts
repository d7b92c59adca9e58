// What a command runner gets, and the hooks that later modules (approvals, audit tools) plug into.
import type { AuditTrail } from '../../audit/trail.js';
import type { JobCommand, JobKind } from '../core/jobs.js';
import type { JobQueue } from '../../agents/queue.js';
import type { Refusal } from '../core/errors.js';
import type { ApprovalsPort } from '../core/approvals.port.js';
import type { Command, CommandName } from '../core/grammar.js';
import type { TenantRegistry } from '../core/registry.js';
import type { Actor, Reply, Tenant, ThreadRef } from '../core/types.js';
import type { Logger } from '../logger.js';

export interface JobRequest {
  readonly kind: JobKind;
  readonly command: JobCommand;
  readonly tenant: Tenant;
  readonly actor: Actor;
  readonly thread: ThreadRef;
  readonly correlationId: string;
  readonly deliveryId: string;
}

export type GateDecision =
  /** `command`: the gate completed the command (e.g. the repository a project maps to); run that. */
  | { decision: 'run'; command?: JobCommand }
  | { decision: 'hold'; replies: Reply[] }
  | { decision: 'deny'; refusal: Refusal };

/** Decides whether a job may be queued now, needs an approval request first, or is refused (approvals module). */
export interface ApprovalGate {
  gate(request: JobRequest): Promise<GateDecision>;
}

export interface Services {
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly queue: JobQueue;
  /** Job kinds that some worker can run in this deployment. */
  readonly availableKinds: ReadonlySet<JobKind>;
  readonly gate?: ApprovalGate;
  /** The approvals service, when the approvals module is enabled. */
  readonly approvals?: ApprovalsPort;
  /** Runners added by other modules (approve/reject/cancel by approvals, audit by the audit module). */
  readonly extraCommands?: Partial<CommandRegistry>;
}

export interface CommandContext {
  readonly tenant: Tenant;
  readonly actor: Actor;
  readonly thread: ThreadRef;
  readonly deliveryId: string;
  readonly correlationId: string;
  readonly log: Logger;
  readonly services: Services;
}

export type CommandRunner<C extends Command = Command> = (ctx: CommandContext, command: C) => Promise<Reply[]>;

export type CommandRegistry = { [K in CommandName]: CommandRunner<Extract<Command, { name: K }>> };

export const answer = (text: string): Reply => ({ text, kind: 'answer' });
export const refusal = (text: string): Reply => ({ text, kind: 'refusal', private: true });
