// The Teams activity handler: commands typed to Void (mention in channels and group chats, plain text in personal
// chat) go to the dispatcher; Approve / Reject clicks on approval cards (Action.Execute) go to the approvals port.
// A command's turn runs in a worker, after the ack (queued.ts); invokes and `expectReplies` turns run in the request.
import {
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type Activity,
  type ConversationParameters,
} from 'botbuilder';
import { helpText } from '../core/grammar.js';
import { VoidError } from '../core/errors.js';
import type { InboundCommand, Reply } from '../core/types.js';
import type { DeliveryLedger } from '../idempotency.js';
import type { Logger } from '../logger.js';
import type { VoidCloudAdapter } from './adapter.js';
import type { TeamsChatPort } from './client.js';
import { CardDecisions, type CardDecisionDeps } from './decisions.js';
import { ADAPTIVE_CARD, isPersonal, renderReply, toInboundCommand, type TeamsActivity } from './mapper.js';
import { isJiraFormSubmit, jiraFormCard, submitJiraForm } from './jira-form.js';
import { OPENS_JIRA_FORM } from '../core/jira.grammar.js';
import type { Dispatcher } from '../dispatcher.js';

/** The queued item a worker runs a turn for (queued.ts), in the turn's state: its id (InboundCommand.attempt) and
 *  whether it is its last attempt (then a failure is told to the person instead of retried). */
export const INTAKE_ATTEMPT = Symbol('void.intakeAttempt');
export interface TurnAttempt {
  readonly id: string;
  readonly final: boolean;
}

/** The command a message activity carries for Void, or undefined (Void's own message, no mention in a channel…).
 *  Pure: the activity is not changed (the SDK's mention removal edits the text of the object it is given). */
export function commandOf(activity: Activity): InboundCommand | undefined {
  if (activity.from?.id && activity.from.id === activity.recipient?.id) return undefined;
  // The SDK dereferences recipient.id and text unchecked: without them there is no mention to remove.
  const textWithoutMention =
    activity.recipient?.id && typeof activity.text === 'string'
      ? (TurnContext.removeRecipientMention({ ...activity } as Activity) ?? '')
      : (activity.text ?? '');
  return toInboundCommand(activity as unknown as TeamsActivity, textWithoutMention);
}

export function welcomeText(personal: boolean): string {
  const how = personal ? 'Type a command here' : 'Mention @Void with a command';
  return [
    `👋 Hello, I am Void. ${how}, for example "help", "review acme/api#42" or "deploy payments to staging".`,
    'Risky requests wait for the right people to approve them, and every step is written to the audit trail.',
    '',
    helpText(),
  ].join('\n');
}

export interface VoidTeamsBotDeps extends CardDecisionDeps {
  readonly dispatcher: () => Dispatcher;
  readonly chat: TeamsChatPort;
  readonly adapter: VoidCloudAdapter;
  readonly ledger: DeliveryLedger;
  readonly appId: string;
  readonly log: Logger;
}

export class VoidTeamsBot extends TeamsActivityHandler {
  private readonly decisions: CardDecisions;

  constructor(private readonly deps: VoidTeamsBotDeps) {
    super();
    this.decisions = new CardDecisions(deps);
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await this.welcome(context);
      await next();
    });
  }

  /**
   * Void added to a team, a group chat or a personal chat (conversationUpdate naming the bot): say hello, with help.
   */
  private async welcome(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const self = activity.recipient?.id;
    if (!self || !(activity.membersAdded ?? []).some((m) => m?.id === self)) return;
    try {
      await context.sendActivity(
        renderReply({
          text: welcomeText(isPersonal(activity as unknown as TeamsActivity)),
          kind: 'answer',
        }) as Partial<Activity>,
      );
    } catch (error) {
      this.deps.log.warn(
        { err: { message: (error as Error).message } },
        'could not post the welcome message into Teams',
      );
    }
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const command = commandOf(activity);
    if (!command) {
      this.deps.log.debug({ activityId: activity.id }, 'Teams message without a command for Void; ignored');
      return;
    }
    const attempt = context.turnState.get(INTAKE_ATTEMPT) as TurnAttempt | undefined;
    const inbound: InboundCommand = attempt ? { ...command, attempt: attempt.id } : command;
    let result: Awaited<ReturnType<Dispatcher['dispatch']>>;
    try {
      await this.deps.chat.remember(activity);
      if (
        OPENS_JIRA_FORM.test(inbound.text) &&
        (await this.sendJiraForm(context, inbound.workspaceId, inbound.platformUserId))
      )
        return;
      // help, whoami, status, policy explain: answered in this turn by the one reply below, with no job.
      result = await this.deps.dispatcher().dispatch(inbound, {}, { answerAtOnce: true });
    } catch (error) {
      // Nothing was done (the dispatcher gave the delivery back): retried, and after the last attempt the person told.
      if (!attempt?.final) throw error;
      await this.tellFailure(context, error);
      return;
    }
    if (result.duplicate) return;
    try {
      for (const reply of result.replies) await this.sendReply(context, reply);
    } catch (error) {
      // The command was handled (and any job queued); only showing the answer failed. Not a reason for a 5xx.
      this.deps.log.warn(
        { err: { message: (error as Error).message }, correlationId: result.correlationId },
        'could not post the reply into Teams',
      );
    }
  }

  /** A queued command that could not be handled on its last attempt (the audit trail down…): the person is told. */
  private async tellFailure(context: TurnContext, error: unknown): Promise<void> {
    this.deps.log.error(
      { err: { message: (error as Error)?.message } },
      'Teams: a queued command failed on its last attempt',
    );
    const text =
      error instanceof VoidError ? error.message : 'Void hit an internal error; it has been logged. Nothing was done.';
    await this.sendReply(context, { text, kind: 'refusal', private: true }).catch((err: unknown) =>
      this.deps.log.warn({ err: { message: (err as Error)?.message } }, 'could not tell the person nothing was done'),
    );
  }

  private async sendReply(context: TurnContext, reply: Reply): Promise<void> {
    if (reply.private && !isPersonal(context.activity as unknown as TeamsActivity)) {
      if (await this.sendPrivately(context, reply)) return;
    }
    await this.deps.chat.deliver(context, context.activity.conversation.id, reply);
  }

  /**
   * Teams has no ephemeral messages in channels: a private reply goes to the person's 1:1 chat with Void. When Void
   * cannot open that chat (app not installed for them), the reply is posted in the thread instead.
   */
  private async sendPrivately(context: TurnContext, reply: Reply): Promise<boolean> {
    const activity = context.activity;
    const tenantId =
      activity.conversation.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    const parameters = {
      isGroup: false,
      bot: activity.recipient,
      members: [activity.from],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    } as ConversationParameters;
    try {
      await this.deps.adapter.createConversationAsync(
        this.deps.appId,
        activity.channelId,
        activity.serviceUrl,
        this.deps.adapter.audience,
        parameters,
        async (ctx) => {
          await ctx.sendActivity(renderReply(reply) as Partial<Activity>);
        },
      );
      return true;
    } catch (error) {
      this.deps.log.info(
        { err: { message: (error as Error).message } },
        'could not open a 1:1 chat for a private reply; replying in the thread',
      );
      return false;
    }
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (isJiraFormSubmit(value)) return submitJiraForm(context, value, this.deps.dispatcher());
    return this.decisions.handle(context, value);
  }

  /** `jira create` alone: the ticket form, with the tenant's first project filled in. False for a stranger (whose
   *  command then gets the dispatcher's refusal, audited, as any other). */
  private async sendJiraForm(context: TurnContext, workspaceId: string, userId: string): Promise<boolean> {
    const resolution = this.deps.registry.resolve('teams', workspaceId, userId);
    if (!resolution.ok) return false;
    try {
      await context.sendActivity({
        type: 'message',
        attachments: [
          { contentType: ADAPTIVE_CARD, content: jiraFormCard(resolution.tenant.bindings.jira?.projectKeys ?? []) },
        ],
      });
    } catch (error) {
      this.deps.log.warn(
        { err: { message: (error as Error).message } },
        'could not post the JIRA ticket form into Teams',
      );
    }
    return true;
  }
}
