// `login`: a private, single-use link to the dashboard, valid for five minutes and bound to the person who asked.
// Only where the answer is private to them (Slack, Teams, the console): a PR or ticket comment would publish it.
import { auditActorOf } from '../../audit/types.js';
import type { Reply } from '../core/types.js';
import { refusal, type CommandContext } from '../core/commands.js';
import { LINK_TTL_SECONDS, type SessionStore } from './sessions.js';

const PRIVATE_PLATFORMS = new Set(['slack', 'teams', 'console']);

export function loginCommand(sessions: SessionStore, baseUrl: string) {
  return async (ctx: CommandContext): Promise<Reply[]> => {
    const { actor, tenant } = ctx;
    if (!PRIVATE_PLATFORMS.has(actor.platform)) {
      return [
        refusal(
          `A sign-in link must be private, and ${actor.platform} comments are public: say "login" to Void in ` +
            `Slack, Teams or the console instead.`,
        ),
      ];
    }
    const token = await sessions.issueLink({
      tenantId: tenant.id,
      memberId: actor.memberId,
      askedVia: `${actor.platform} ${actor.platformUserId}`,
    });
    await ctx.services.audit.append({
      tenantId: tenant.id,
      action: 'security.sign_in_link_issued',
      actor: auditActorOf(actor),
      target: 'dashboard',
      outcome: 'success',
      details: { ttlSeconds: LINK_TTL_SECONDS },
      correlationId: ctx.correlationId,
    });
    const url = new URL(`/dashboard/login/${token}`, baseUrl).href;
    return [
      {
        kind: 'answer',
        private: true,
        text:
          `Your dashboard sign-in link for ${tenant.name} (only you can see this; it works once, within 5 minutes; ` +
          `do not share it):\n${url}`,
      },
    ];
  };
}
