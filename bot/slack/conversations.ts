// What Void does with a Slack request once it is verified and acked: slash commands, mentions and DMs go through
// the dispatcher; replies go into the thread (private ones as ephemerals to the asker). Runs after the HTTP ack.
import { JOB_KINDS } from '../core/jobs.js';
import { APPROVAL_ID } from '../core/approvals.port.js';
import { parseCommand } from '../core/grammar.js';
import { VoidError } from '../core/errors.js';
import type { TenantRegistry } from '../core/registry.js';
import type { Reply, ThreadRef } from '../core/types.js';
import type { Dispatcher } from '../dispatcher.js';
import type { Logger } from '../logger.js';
import type { SlackBody } from './body.js';
import { str } from './fields.js';
import type { SlackChatPort } from './client.js';
import { jiraCreateModal, jiraCreateSubmission, OPENS_JIRA_FORM } from './jira-modal.js';
import {
  commandText,
  escapeMrkdwn,
  originOf,
  slashDeliveryId,
  threadRef,
  workspaceIdFor,
  renderReply,
  type SlackIdsOf,
  type SlackOrigin,
} from './mapper.js';

/** The ack of a slash command answered at once (bot/slack/receiver.ts sends it as the HTTP answer). */
export interface AckAnswer {
  readonly status: 200;
  readonly body: Record<string, unknown>;
}

/** help, whoami, status (not of an approval: the worker shows its card) and policy explain; usage errors too. */
function answersInAck(text: string): boolean {
  const parsed = parseCommand(text);
  if (!parsed.ok) return true;
  const command = parsed.command;
  if (command.name === 'status') return !(command.id && APPROVAL_ID.test(command.id));
  return command.name === 'help' || command.name === 'whoami' || command.name === 'policy';
}

export interface ConversationDeps {
  readonly dispatcher: () => Dispatcher;
  readonly registry: TenantRegistry;
  readonly port: SlackChatPort;
  readonly log: Logger;
  /** Slack user ids of a member (to render mentions in answers sent in the ack). */
  readonly slackIdsOf: SlackIdsOf;
  /** Opens a modal for the person who typed a slash command (views.open, within 3 s of the trigger). */
  readonly openView?: (origin: SlackOrigin, triggerId: string, view: SlackBody) => Promise<void>;
}

export function errorReply(error: unknown): Reply {
  const text =
    error instanceof VoidError ? error.message : 'Void hit an internal error; it has been logged. Nothing was done.';
  return { text, kind: 'refusal', private: true };
}

function cannotPost(error: unknown): string {
  const code = (error as { data?: { error?: string } })?.data?.error;
  if (code === 'not_in_channel' || code === 'channel_not_found')
    return (
      'Void is not a member of this channel, so it cannot open a thread here. Invite it (`/invite @Void`) ' +
      'and try again. Nothing was done.'
    );
  return "Slack did not accept Void's message in this channel, so nothing was done. Please try again shortly.";
}

export class SlackConversations {
  constructor(private readonly deps: ConversationDeps) {}

  /** `/void <command>`: a job command opens a thread with a parent message; anything else answers privately. */
  async onSlashCommand(body: SlackBody, answered = false, attempt?: string): Promise<void> {
    const origin = originOf(body);
    if (!origin) return;
    const text = str(body.text).trim();
    const channel = str(body.channel_id);
    if (OPENS_JIRA_FORM.test(text) && this.deps.openView) return this.openJiraForm(origin, body, channel);
    if (answered) return this.record(origin, text, threadRef(origin.teamId, channel), body);
    const parsed = parseCommand(text);
    // `status <approval id>` answers privately at once; it is not a job, so it opens no thread.
    const approvalStatus = parsed.ok && parsed.command.name === 'status' && APPROVAL_ID.test(parsed.command.id ?? '');
    const opensThread = parsed.ok && (JOB_KINDS as readonly string[]).includes(parsed.command.name) && !approvalStatus;
    let thread = threadRef(origin.teamId, channel);
    try {
      if (opensThread) {
        const parent = `<@${origin.userId}> asked Void: \`/void ${escapeMrkdwn(text)}\``;
        thread = threadRef(origin.teamId, channel, await this.deps.port.postMessage(thread, { text: parent }));
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not open a thread for a slash command');
      await this.respond(str(body.response_url), cannotPost(error));
      return;
    }
    await this.dispatch(origin, text, thread, slashDeliveryId(str(body.trigger_id)), !opensThread, attempt);
  }

  /**
   * The answer of a slash command that needs no job, for the ack's body (ephemeral, as docs/slack.md promises), or
   * undefined when the command needs the worker. Decided without I/O; `status` reads the queue.
   */
  answerNow(body: SlackBody): Promise<AckAnswer> | undefined {
    const origin = originOf(body);
    const text = str(body.text).trim();
    if (!origin || OPENS_JIRA_FORM.test(text) || !answersInAck(text)) return undefined;
    const thread = threadRef(origin.teamId, str(body.channel_id));
    const input = {
      platform: 'slack' as const,
      workspaceId: workspaceIdFor(this.deps.registry, origin),
      platformUserId: origin.userId,
      text,
      thread,
      deliveryId: slashDeliveryId(str(body.trigger_id)),
    };
    return this.deps
      .dispatcher()
      .answerNow(input)
      .then((replies) => {
        if (!replies?.length) throw new Error('a command answered in the ack had no answer');
        const rendered = replies.map((reply) => renderReply(reply, this.deps.slackIdsOf));
        const blocks = rendered.flatMap((r) => (r.blocks as unknown[] | undefined) ?? []);
        const text = rendered.map((r) => r.text).join('\n\n');
        return { status: 200, body: { response_type: 'ephemeral', text, ...(blocks.length ? { blocks } : {}) } };
      });
  }

  /** A command answered in the ack: the dispatcher records it (and counts it); nothing is posted. */
  private async record(origin: SlackOrigin, text: string, thread: ThreadRef, body: SlackBody): Promise<void> {
    const workspaceId = workspaceIdFor(this.deps.registry, origin);
    const deliveryId = slashDeliveryId(str(body.trigger_id));
    const input = { platform: 'slack' as const, workspaceId, platformUserId: origin.userId, text, thread, deliveryId };
    try {
      await this.deps.dispatcher().dispatch(input, {}, { answered: true });
    } catch (error) {
      this.deps.log.error({ err: error, deliveryId }, 'could not record a Slack command answered in the ack');
    }
  }

  /** `/void jira create` alone: the ticket form. A tenant without JIRA gets the refusal from the command itself. */
  private async openJiraForm(origin: SlackOrigin, body: SlackBody, channel: string): Promise<void> {
    const resolution = this.deps.registry.resolve('slack', workspaceIdFor(this.deps.registry, origin), origin.userId);
    const projects = resolution.ok ? (resolution.tenant.bindings.jira?.projectKeys ?? []) : [];
    try {
      await this.deps.openView?.(origin, str(body.trigger_id), jiraCreateModal(channel, projects));
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not open the JIRA ticket form');
      await this.respond(
        str(body.response_url),
        'Slack did not open the ticket form. Type it instead: `/void jira create PAY "Summary" [type] [priority] ' +
          '--description "…"`.',
      );
    }
  }

  /** The ticket form submitted: the same `jira create` command, answered privately in the channel it came from. */
  async onJiraCreateSubmit(body: SlackBody): Promise<void> {
    const origin = originOf(body);
    const submitted = jiraCreateSubmission(body);
    if (!origin || !submitted) return;
    await this.dispatch(
      origin,
      submitted.text,
      threadRef(origin.teamId, submitted.channel),
      `view-${submitted.viewId}`,
      true,
    );
  }

  /** `@Void <command>` in a channel or thread, and direct messages: the reply goes into the message's thread. */
  async onMessage(body: SlackBody, event: SlackBody, attempt?: string): Promise<void> {
    const origin = originOf(body);
    if (!origin || event.bot_id !== undefined) return;
    const thread = threadRef(origin.teamId, str(event.channel), str(event.thread_ts) || str(event.ts));
    await this.dispatch(origin, commandText(str(event.text)), thread, str(body.event_id), false, attempt);
  }

  private async dispatch(
    origin: SlackOrigin,
    text: string,
    thread: ThreadRef,
    deliveryId: string,
    allPrivate: boolean,
    attempt?: string,
  ): Promise<void> {
    const workspaceId = workspaceIdFor(this.deps.registry, origin);
    const log = this.deps.log.child({ deliveryId });
    let replies: Reply[];
    try {
      const result = await this.deps
        .dispatcher()
        .dispatch({ platform: 'slack', workspaceId, platformUserId: origin.userId, text, thread, deliveryId, attempt });
      if (result.duplicate) {
        log.debug('duplicate Slack delivery ignored');
        return;
      }
      replies = result.replies;
    } catch (error) {
      log.error({ err: error }, 'dispatching a Slack command failed');
      replies = [errorReply(error)];
    }
    for (const reply of replies)
      await this.tell(thread, origin.userId, allPrivate ? { ...reply, private: true } : reply);
  }

  /** Answers through the slash command's response_url: works even where Void is not a member of the channel. */
  private async respond(responseUrl: string, text: string): Promise<void> {
    if (!/^https?:\/\//.test(responseUrl)) return;
    try {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text }),
      });
      if (!response.ok)
        this.deps.log.warn({ status: response.status }, 'the slash command response URL refused the answer');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not answer through the slash command response URL');
    }
  }

  /** Renders one reply: private ones as an ephemeral to the person, others into the thread (keyed ones in place). */
  async tell(thread: ThreadRef, user: string, reply: Reply): Promise<void> {
    try {
      if (reply.private) await this.deps.port.postPrivate(thread, user, reply);
      else await this.deps.port.post(thread, reply);
    } catch (error) {
      this.deps.log.warn({ err: error, key: reply.key }, 'could not post a reply to Slack');
    }
  }
}
