import type { Reply } from '../core/types.js';
import { answer, type CommandContext } from './types.js';

export async function runWhoami(ctx: CommandContext): Promise<Reply[]> {
  const { actor, tenant } = ctx;
  const member = ctx.services.registry.memberById(tenant.id, actor.memberId);
  const linked = Object.entries(member?.identities ?? {})
    .filter(([, ids]) => ids && ids.length)
    .map(
      ([platform, ids]) =>
        `${platform}${(ids as readonly string[]).length > 1 ? ` (${(ids as readonly string[]).length})` : ''}`,
    );
  return [
    answer(
      [
        `You are ${actor.name} (member "${actor.memberId}") in ${tenant.name} (tenant "${tenant.id}").`,
        `Speaking through ${actor.platform} as ${actor.platformUserId}.`,
        `Roles: ${actor.roles.join(', ')}.`,
        `Linked identities: ${linked.length ? linked.join(', ') : 'none'}.`,
      ].join('\n'),
    ),
  ];
}
