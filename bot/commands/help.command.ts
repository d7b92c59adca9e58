import { helpText, USAGE, type Command } from '../core/grammar.js';
import { answer, type CommandContext } from './types.js';
import type { Reply } from '../core/types.js';

export async function runHelp(ctx: CommandContext, command: Extract<Command, { name: 'help' }>): Promise<Reply[]> {
  if (command.topic) return [answer(`Usage: ${USAGE[command.topic as keyof typeof USAGE]}`)];
  return [
    answer(
      `${helpText()}\n\nYou are ${ctx.actor.name} (${ctx.actor.roles.join(', ')}) in ${ctx.tenant.name}. ` +
        `Type "help <command>" for one command.`,
    ),
  ];
}
