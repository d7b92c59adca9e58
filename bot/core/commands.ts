// The command contract: what a command runner gets and returns, the gate approvals puts before a job, and the way a
// module adds or takes over runners. In the kernel so that approvals, audit and the integrations write runners without
// importing the application; the application's own runners (bot/commands/) see a wider context (the job queue).
import type { ApprovalsPort } from './approvals.port.js';
import { auditActorOf, type AuditActor, type AuditLog } from './audit.js';
import type { Refusal } from './errors.js';
import type { Command, CommandName } from './grammar.js';
import type { DeliveryMark, JobCommand, JobKind } from './jobs.js';
import type { Logger } from './logger.js';
import type { TenantRegistry } from './registry.js';
import type { Actor, Reply, Tenant, ThreadRef } from './types.js';

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

/** What every runner may use; the application's runners get more (bot/commands/types.ts). */
export interface Services {
  readonly registry: TenantRegistry;
  readonly audit: AuditLog;
  /** Job kinds that some worker can run in this deployment. */
  readonly availableKinds: ReadonlySet<JobKind>;
  readonly gate?: ApprovalGate | undefined;
  /** The approvals service, when the approvals module is enabled. */
  readonly approvals?: ApprovalsPort | undefined;
  /** Runners added by modules (approve/reject/cancel by approvals, audit by the audit module). */
  readonly extraCommands?: Partial<CommandOverrides> | undefined;
}

export interface CommandContext<S extends Services = Services> {
  readonly tenant: Tenant;
  readonly actor: Actor;
  readonly thread: ThreadRef;
  readonly deliveryId: string;
  readonly correlationId: string;
  readonly log: Logger;
  readonly services: S;
  /** The delivery's done mark, for a job submitted by this command to carry (DeliveryMark, bot/core/jobs.ts). */
  readonly delivery?: DeliveryMark | undefined;
}

export type CommandRunner<C extends Command = Command, X extends CommandContext = CommandContext> = (
  ctx: X,
  command: C,
) => Promise<Reply[]>;

export type CommandRegistry<X extends CommandContext = CommandContext> = {
  [K in CommandName]: CommandRunner<Extract<Command, { name: K }>, X>;
};

/** A module's runner. `next` runs the application's own runner of the command: approvals' `cancel` cancels a pending
 *  request, and hands any other id (a queued job) on. A runner that never defers simply ignores it. */
export type CommandOverride<C extends Command = Command> = (
  ctx: CommandContext,
  command: C,
  next: () => Promise<Reply[]>,
) => Promise<Reply[]>;

export type CommandOverrides = { [K in CommandName]: CommandOverride<Extract<Command, { name: K }>> };

export const answer = (text: string): Reply => ({ text, kind: 'answer' });
export const refusal = (text: string): Reply => ({ text, kind: 'refusal', private: true });

/** The audit actor of the person running a command. */
export function auditActor(ctx: Pick<CommandContext, 'actor'>): AuditActor {
  return auditActorOf(ctx.actor);
}
