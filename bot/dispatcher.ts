// The dispatcher: an authenticated, neutral InboundCommand → identity → de-duplication → audit → limits → the
// command's runner → replies. Adapters call dispatch() once they have verified the request; the replies are theirs
// to render in the originating thread.
import {
  correlationIdFor,
  type CommandDispatcher,
  type DispatchOptions,
  type DispatchResult,
} from './core/dispatch.js';
import { describeCommand, parseCommand, type Command, type ParseContext } from './core/grammar.js';
import type { InboundCommand, Reply } from './core/types.js';
import type { DeliveryMark } from './core/jobs.js';
import { APPROVAL_ID } from './core/approvals.port.js';
import { statusSummary } from '../agents/processors/status.processor.js';
import { SYSTEM_TENANT, auditActorOf } from '../audit/types.js';
import type { DeliveryLedger } from './idempotency.js';
import type { CommandRateLimiter } from './limits.js';
import { lazyChild, type Logger } from './logger.js';
import { commandRegistry } from './commands/index.js';
import {
  answer,
  refusal,
  type CommandContext,
  type CommandRegistry,
  type CommandRunner,
  type Services,
} from './commands/types.js';
import { recordCommand, type CommandOutcome } from './metrics.js';
import { withSpan } from './tracing.js';

export type { DispatchOptions, DispatchResult } from './core/dispatch.js';

/** Commands whose answer needs no job and no change: answered in the ack where the platform allows. */
const ANSWERED_IN_ACK: ReadonlySet<string> = new Set(['help', 'whoami', 'policy']);

/** help, whoami, policy explain, and status other than of an approval (the approvals runner shows its card). */
const needsNoJob = (command: Command): boolean =>
  command.name === 'status' ? !(command.id && APPROVAL_ID.test(command.id)) : ANSWERED_IN_ACK.has(command.name);

export interface DispatcherOptions {
  readonly services: Services;
  readonly ledger: DeliveryLedger;
  readonly rate: CommandRateLimiter;
  readonly log: Logger;
  /** Whether a local Git repository is the VCS (then `review <rev>` names a local revision). Read per command. */
  readonly localRevisions?: () => boolean;
}

export { correlationIdFor } from './core/dispatch.js';

export class Dispatcher implements CommandDispatcher {
  private readonly commands: CommandRegistry;

  constructor(private readonly options: DispatcherOptions) {
    this.commands = commandRegistry(options.services.extraCommands);
  }

  get services(): Services {
    return this.options.services;
  }

  /** Dispatches one command inside a trace span, and counts it by platform and outcome (bot/metrics.ts). */
  async dispatch(
    input: InboundCommand,
    parseContext: ParseContext = {},
    options: DispatchOptions = {},
  ): Promise<DispatchResult> {
    const started = performance.now();
    let outcome: CommandOutcome = 'error';
    try {
      const result = await withSpan(
        'void.dispatch',
        { attributes: { 'void.platform': input.platform } },
        async (span) => {
          const r = await this.dispatchNow(input, parseContext, options);
          span.setAttributes({
            'void.tenant': r.tenantId ?? '',
            'void.correlation_id': r.correlationId,
            'void.duplicate': r.duplicate,
          });
          return r;
        },
      );
      outcome = result.duplicate
        ? 'duplicate'
        : result.replies.some((r) => r.kind === 'refusal')
          ? 'refused'
          : result.replies.some((r) => r.kind === 'usage')
            ? 'usage'
            : 'accepted';
      return result;
    } finally {
      recordCommand(input.platform, outcome, (performance.now() - started) / 1000);
    }
  }

  /**
   * The answer of a command that needs no job (help, whoami, status, policy explain, a usage error), computed in the
   * web role so that it goes back in the ack itself; undefined for every other command (and for unknown people,
   * whom the receiver refuses before this). Reads only: the command is recorded after the ack, by the worker, with
   * dispatch(…, { answered: true }).
   */
  async answerNow(input: InboundCommand, parseContext: ParseContext = {}): Promise<Reply[] | undefined> {
    const { services } = this.options;
    const resolution = services.registry.resolve(
      input.platform,
      input.workspaceId,
      input.platformUserId,
      input.stableUserId,
    );
    if (!resolution.ok) return undefined;
    const parsed = parseCommand(input.text, {
      ...parseContext,
      localRevisions: this.options.localRevisions?.() ?? false,
    });
    if (!parsed.ok) return [usageReply(parsed.refusal.message)];
    if (!needsNoJob(parsed.command)) return undefined;
    const correlationId = correlationIdFor(input.platform, input.deliveryId);
    const ctx = this.contextOf(resolution.tenant, resolution.actor, input, correlationId);
    return (await this.answerOf(ctx, parsed.command)).map((reply) => ({ ...reply, private: true }));
  }

  /** The answer of a command that needs no job: status reads the queue; the others are their runners (reads only). */
  private async answerOf(ctx: CommandContext, command: Command): Promise<Reply[]> {
    if (command.name === 'status') return [answer(await statusSummary(ctx.services.queue, ctx.tenant, command.id))];
    const runner = this.commands[command.name] as CommandRunner<Command>;
    return runner(ctx, command);
  }

  private async dispatchNow(
    input: InboundCommand,
    parseContext: ParseContext,
    options: DispatchOptions,
  ): Promise<DispatchResult> {
    const { services, ledger } = this.options;
    const correlationId = correlationIdFor(input.platform, input.deliveryId);
    // No child logger here: one per command is made with the context (contextOf); the rare lines below bind inline.
    const log = this.options.log;
    const about = { platform: input.platform, deliveryId: input.deliveryId, correlationId };
    const resolution = services.registry.resolve(
      input.platform,
      input.workspaceId,
      input.platformUserId,
      input.stableUserId,
    );
    if (!resolution.ok) {
      const { refusal: refused } = resolution;
      const tenantId = refused.code === 'identity.unknown_user' ? refused.params.tenant.id : SYSTEM_TENANT;
      if ((await ledger.claim(input.platform, input.deliveryId)) === 'duplicate')
        return { replies: [], duplicate: true, correlationId };
      await this.guard(input, () =>
        services.audit.append({
          tenantId,
          action: 'request.rejected',
          actor: { platform: input.platform, platformUserId: input.platformUserId },
          target: input.workspaceId,
          outcome: 'denied',
          details: { code: refused.code },
          correlationId,
        }),
      );
      log.info(
        { ...about, code: refused.code, tenant: tenantId },
        'request from an unknown workspace or person refused',
      );
      return {
        replies: [refusal(refused.message)],
        duplicate: false,
        tenantId,
        correlationId,
        refusedIdentity: refused.code,
      };
    }
    const { tenant, actor } = resolution;
    // One round trip claims the delivery and counts it against the tenant's and the person's limits.
    const verdict = await this.options.rate.claimAndTake(
      ledger.key(input.platform, input.deliveryId),
      ledger.claimTtl,
      actor,
      tenant.name,
      tenant.limits,
      input.attempt,
    );
    if (verdict === 'duplicate') {
      log.debug(about, 'duplicate delivery ignored');
      return { replies: [], duplicate: true, tenantId: tenant.id, correlationId };
    }
    if (verdict.resumed) {
      // Run again after the process running it died: what that run recorded is not recorded twice.
      log.info(about, 'resuming a delivery whose first run did not finish');
      services.audit.resume(correlationId);
    }
    // A job this command queues carries the delivery's done mark in its own write (then guard() writes none).
    const delivery = ledger.doneMark(input.platform, input.deliveryId);
    const replies = await this.guard(
      input,
      async () => {
        const parsed = parseCommand(input.text, {
          ...parseContext,
          localRevisions: this.options.localRevisions?.() ?? false,
        });
        await services.audit.append({
          tenantId: tenant.id,
          action: 'command.received',
          actor: auditActorOf(actor),
          target: parsed.ok ? describeCommand(parsed.command) : undefined,
          outcome: parsed.ok ? 'success' : 'failure',
          details: parsed.ok
            ? { command: parsed.command.name }
            : { code: parsed.refusal.code, command: parsed.refusal.params.commandName },
          correlationId,
        });
        if (!parsed.ok) return [usageReply(parsed.refusal.message)];
        // Answered in the ack already (help, whoami, status, policy explain): recorded above, nothing more to do.
        if (options.answered) return [];
        if (!verdict.ok) {
          await services.audit.append({
            tenantId: tenant.id,
            action: 'request.rejected',
            actor: auditActorOf(actor),
            target: describeCommand(parsed.command),
            outcome: 'denied',
            details: { code: verdict.refusal.code },
            correlationId,
          });
          return [refusal(verdict.refusal.message)];
        }
        const ctx = this.contextOf(tenant, actor, input, correlationId, delivery);
        // Answered now (help, whoami, status, policy explain), within the limits: recorded above, no job.
        if (options.answerAtOnce && needsNoJob(parsed.command)) return this.answerOf(ctx, parsed.command);
        const runner = this.commands[parsed.command.name] as CommandRunner<Command>;
        return runner(ctx, parsed.command);
      },
      delivery,
    );
    return { replies, duplicate: false, tenantId: tenant.id, correlationId };
  }

  private contextOf(
    tenant: CommandContext['tenant'],
    actor: CommandContext['actor'],
    input: InboundCommand,
    correlationId: string,
    delivery?: DeliveryMark,
  ): CommandContext {
    const { thread, deliveryId, platform } = input;
    const services = this.options.services;
    const log = lazyChild(this.options.log, { platform, deliveryId, correlationId, tenant: tenant.id });
    return { tenant, actor, thread, deliveryId, correlationId, log, services, delivery };
  }

  /** Runs the work; on any failure gives the delivery back so that the platform's retry is processed, and rethrows. */
  private async guard<T>(input: InboundCommand, work: () => Promise<T>, delivery?: DeliveryMark): Promise<T> {
    try {
      const result = await work();
      // Marked already with the job this command queued (in the job's own write).
      if (delivery?.marked) return result;
      // Not awaited: if this write is lost, the in-flight claim lapses after a minute and the deterministic job id
      // still refuses a second job; the answer does not wait a round trip for it.
      this.options.ledger
        .done(input.platform, input.deliveryId)
        .catch((err: unknown) => this.options.log.warn({ err }, 'could not mark the delivery done'));
      return result;
    } catch (error) {
      await this.options.ledger.release(input.platform, input.deliveryId).catch(() => undefined);
      throw error;
    }
  }
}

const usageReply = (text: string): Reply => ({ text, kind: 'usage', private: true });
