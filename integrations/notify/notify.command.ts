// `notify`: a person sees and changes how Void reaches them. The tenants file sets the starting preference; what a
// person says here overrides it (kept in Redis) and is recorded on the trail.
import { answer, refusal, type CommandRunner } from '../../bot/core/commands.js';
import type { Command } from '../../bot/core/grammar.js';
import { auditActorOf } from '../../bot/core/audit.js';
import { preferenceOf } from './fanout.js';
import { preferenceOverrideSchema } from './settings.schema.js';
import type { NotifyState } from './state.js';

type NotifyCommand = Extract<Command, { name: 'notify' }>;

const MEANING = {
  chat: 'chat only: no mail',
  email: 'mail at once (and the usual chat messages)',
  both: 'mail at once and the usual chat messages',
  digest: 'one daily mail listing the requests that wait for you',
} as const;

export function notifyCommand(state: NotifyState, mailEnabled: () => boolean): CommandRunner<NotifyCommand> {
  return async (ctx, command) => {
    const { tenant, actor } = ctx;
    const member = tenant.members.find((m) => m.id === actor.memberId);
    if (command.sub === 'channel') {
      if (command.channel !== 'chat' && !member?.identities.email?.length) {
        return [
          refusal(
            `Void has no e-mail address for you in ${tenant.name}: ask an admin to add identities.email to your ` +
              `entry in the tenants file first.`,
          ),
        ];
      }
      await state.setPreference(tenant.id, actor.memberId, { channel: command.channel });
    } else if (command.sub === 'quiet') {
      const parsed = preferenceOverrideSchema.safeParse({
        ...(command.hours ? { quietHours: command.hours } : {}),
        ...(command.timezone ? { timezone: command.timezone } : {}),
      });
      if (!parsed.success)
        return [
          refusal(`"${command.timezone ?? ''}" is not a time zone Void knows: use an IANA name like Europe/Berlin.`),
        ];
      await state.setPreference(
        tenant.id,
        actor.memberId,
        command.hours
          ? { quietHours: command.hours, ...(command.timezone ? { timezone: command.timezone } : {}) }
          : { quietHours: 'off' },
      );
    }
    const pref = await preferenceOf(tenant, actor.memberId, state);
    if (command.sub !== 'show') {
      await ctx.services.audit.append({
        tenantId: tenant.id,
        action: 'notify.preferences_changed',
        actor: auditActorOf(actor),
        target: actor.memberId,
        outcome: 'success',
        details: { channel: pref.channel, quietHours: pref.quietHours, timezone: pref.timezone },
        correlationId: ctx.correlationId,
      });
    }
    const quiet = pref.quietHours
      ? `quiet hours ${pref.quietHours} (${pref.timezone}): mail waits until they end`
      : 'no quiet hours';
    const note = mailEnabled()
      ? ''
      : '\nNote: this deployment has no mail server configured yet, so no mail is sent whatever you choose.';
    return [
      {
        ...answer(
          `${command.sub === 'show' ? 'Your notifications' : 'Saved. Your notifications'} ` +
            `in ${tenant.name}: ${pref.channel}, ${MEANING[pref.channel]}; ${quiet}.${note}`,
        ),
        private: true,
      },
    ];
  };
}
