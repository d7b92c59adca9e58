// One runner per command (Atlantis: CommentCommandRunnerByCmd). Other modules replace entries through
// Services.extraCommands: approvals takes approve/reject/cancel, the audit module takes audit; a module's runner may
// hand a command on to the built-in runner (`next`).
import type { Command } from '../core/grammar.js';
import type { Reply } from '../core/types.js';
import { runCancel } from './cancel.command.js';
import { runHelp } from './help.command.js';
import { runJobCommand } from './job.command.js';
import { runWhoami } from './whoami.command.js';
import { refusal, type CommandContext, type CommandOverrides, type CommandRegistry } from './types.js';

const notEnabled =
  (what: string) =>
  async (ctx: CommandContext, command: Command): Promise<Reply[]> => {
    const id = 'id' in command && command.id ? ` "${command.id}"` : '';
    return [
      refusal(`${what} is not enabled in this deployment, so there is no pending request${id} in ${ctx.tenant.name}.`),
    ];
  };

export const CORE_COMMANDS: CommandRegistry = {
  help: runHelp,
  whoami: runWhoami,
  login: async (ctx) => [
    refusal(
      `The web dashboard is not enabled in this deployment (${ctx.tenant.name}): there is nothing to sign in to.`,
    ),
  ],
  review: runJobCommand,
  implement: runJobCommand,
  triage: runJobCommand,
  deploy: runJobCommand,
  status: runJobCommand,
  approve: notEnabled('The approvals module'),
  reject: notEnabled('The approvals module'),
  cancel: runCancel,
  audit: async (ctx) => [refusal(`Audit tools are not enabled in this deployment (${ctx.tenant.name}).`)],
  policy: async (ctx) => [refusal(`Approval policies are not enabled in this deployment (${ctx.tenant.name}).`)],
  breakglass: notEnabled('The approvals module'),
  ack: async (ctx) => [
    refusal(
      `The approvals module is not enabled in this deployment, so there is no follow-up to acknowledge ` +
        `in ${ctx.tenant.name}.`,
    ),
  ],
  jira: async (ctx) => [
    refusal(
      `The JIRA integration is not enabled in this deployment (${ctx.tenant.name}): no JIRA credentials are ` +
        `configured.`,
    ),
  ],
  notify: async (ctx) => [refusal(`Notifications are not enabled in this deployment (${ctx.tenant.name}).`)],
};

/** The built-in runners with the modules' runners over them; a module's runner may hand on to the built-in one. */
export function commandRegistry(extra: Partial<CommandOverrides> = {}): CommandRegistry {
  const merged: Record<string, unknown> = { ...CORE_COMMANDS };
  for (const [name, override] of Object.entries(extra) as Array<
    [keyof CommandRegistry, CommandOverrides[Command['name']]]
  >) {
    if (!override) continue;
    const own = CORE_COMMANDS[name] as (ctx: CommandContext, command: Command) => Promise<Reply[]>;
    const over = override as (ctx: CommandContext, command: Command, next: () => Promise<Reply[]>) => Promise<Reply[]>;
    merged[name] = (ctx: CommandContext, command: Command) => over(ctx, command, () => own(ctx, command));
  }
  return merged as CommandRegistry;
}
