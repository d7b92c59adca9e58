// The approvals module's command runners: approve, reject, cancel (requests; jobs fall through to the core runner),
// policy explain, breakglass and ack; `next` is the built-in runner. Each refusal is private to the person who tried.
import { answer, refusal, type CommandContext, type CommandOverrides } from '../bot/core/commands.js';
import type { Command } from '../bot/core/grammar.js';
import type { Refused } from '../bot/core/outcome.js';
import type { Reply } from '../bot/core/types.js';
import { acknowledge, breakGlass } from './breakglass.js';
import { cardReply } from './card.js';
import { cancel } from './lifecycle.js';
import { explainPolicy } from './policy.js';
import { isPassThrough, STORE_DOWN, type ApprovalService } from './service.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

function outcome(result: { ok: true; message: string } | Refused): Reply[] {
  return [result.ok ? answer(result.message) : refusal(result.refusal.message)];
}

/** A store outage in a runner becomes a refusal the person reads; audit and queue outages stay 503s. */
function guarded<C extends Command>(
  run: (ctx: CommandContext, command: C, next: () => Promise<Reply[]>) => Promise<Reply[]>,
) {
  return async (ctx: CommandContext, command: C, next: () => Promise<Reply[]>): Promise<Reply[]> => {
    try {
      return await run(ctx, command, next);
    } catch (error) {
      if (isPassThrough(error)) throw error;
      ctx.log.error({ err: error }, 'approvals command failed');
      return [refusal(STORE_DOWN.message)];
    }
  };
}

export function approvalCommands(service: ApprovalService): Partial<CommandOverrides> {
  const deps = service.deps;
  const decide =
    (decision: 'approve' | 'reject') =>
    async (ctx: CommandContext, command: Of<'approve'> | Of<'reject'>): Promise<Reply[]> =>
      outcome(
        await service.decide({
          tenantId: ctx.tenant.id,
          approvalId: command.id,
          actor: ctx.actor,
          decision,
          reason: command.name === 'reject' ? command.reason : undefined,
          correlationId: ctx.correlationId,
        }),
      );
  return {
    approve: decide('approve'),
    reject: decide('reject'),
    status: guarded<Of<'status'>>(async (ctx, command, next) => {
      const rec = command.id ? await deps.store.get(ctx.tenant.id, command.id) : undefined;
      // The request as it stands, to the person who asked only: no key (this is not the request's own card, which
      // stays the one message updated on every decision). Where the platform can show it privately with buttons
      // that update in place (Teams' own chat) it may; Slack shows it without buttons (bot/slack/mapper.ts).
      return rec ? [{ ...cardReply(rec, ctx.tenant), key: undefined, private: true }] : next();
    }),
    cancel: guarded<Of<'cancel'>>(async (ctx, command, next) => {
      if (!(await deps.store.get(ctx.tenant.id, command.id))) return next();
      return outcome(await cancel(deps, ctx.actor, command.id, ctx.correlationId));
    }),
    policy: async (ctx, command) => {
      const id = command.as?.includes('/') ? command.as.split('/')[1] : command.as;
      const member = ctx.tenant.members.find((m) => m.id === (id ?? ctx.actor.memberId));
      if (!member)
        return [
          refusal(
            `There is no member "${id}" in ${ctx.tenant.name}. ` +
              `Members: ${ctx.tenant.members.map((m) => m.id).join(', ')}.`,
          ),
        ];
      return [{ ...answer(explainPolicy(ctx.tenant, command.command, member)), private: true }];
    },
    breakglass: guarded<Of<'breakglass'>>(async (ctx, command) =>
      outcome(await breakGlass(deps, ctx.actor, command.id, command.reason, ctx.correlationId)),
    ),
    ack: guarded<Of<'ack'>>(async (ctx, command) => {
      if (command.id) return outcome(await acknowledge(deps, ctx.actor, command.id, ctx.correlationId));
      const open = await deps.store.openFollowUps(ctx.tenant.id);
      if (open.length === 0) return [answer(`No break-glass follow-up is open in ${ctx.tenant.name}.`)];
      const lines = open.map(
        (r) =>
          `• ${r.breakGlass?.followUpId}: ${r.summary} (request ${r.id}), forced by ${r.breakGlass?.name} ` +
          `at ${r.breakGlass?.at}`,
      );
      return [
        {
          ...answer(
            [
              `Open break-glass follow-ups in ${ctx.tenant.name} (a compliance officer closes each with "ack <id>"):`,
              ...lines,
            ].join('\n'),
          ),
          private: true,
        },
      ];
    }),
  };
}
