// The Teams ChatPort. Conversation references live in Redis, one per thread, so that a worker in any process can
// post into the conversation after the HTTP request has ended; replies that share a `key` (one job, one approval)
// update one Teams message in place: the key → activity id map is in Redis too.
import type { Redis } from 'ioredis';
import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { VoidError } from '../core/errors.js';
import type { ChatPort } from '../core/ports.js';
import type { Reply, ThreadRef } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { VoidCloudAdapter } from './adapter.js';
import { renderReply } from './mapper.js';

const REFERENCE_TTL_SECONDS = 90 * 24 * 3600;
const MESSAGE_TTL_SECONDS = 30 * 24 * 3600;
const PENDING = 'pending';
const FINAL = ':final';

/** A reply that ends the story of its key: a later progress update must not overwrite it. */
export function isFinalReply(reply: Reply): boolean {
  return reply.kind === 'answer' || reply.kind === 'refusal';
}

export class TeamsChatPort implements ChatPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly adapter: VoidCloudAdapter,
    private readonly log: Logger,
  ) {}

  private referenceKey(channel: string): string {
    return `${this.prefix}:teams:ref:${channel}`;
  }

  private messageKey(channel: string, key: string): string {
    return `${this.prefix}:teams:msg:${channel}:${key}`;
  }

  /** The Teams activity id of the message Void sent for a reply key in a conversation, if any. */
  async messageIdOf(channel: string, key: string): Promise<string | undefined> {
    const stored = await this.redis.get(this.messageKey(channel, key));
    if (!stored || stored === PENDING) return undefined;
    return stored.endsWith(FINAL) ? stored.slice(0, -FINAL.length) : stored;
  }

  /** Stores where this conversation is, so that replies can be posted into it later from any process. */
  async remember(activity: Activity): Promise<void> {
    const reference = TurnContext.getConversationReference(activity);
    await this.redis.set(
      this.referenceKey(activity.conversation.id),
      JSON.stringify(reference),
      'EX',
      REFERENCE_TTL_SECONDS,
    );
  }

  async reference(channel: string): Promise<Partial<ConversationReference> | undefined> {
    const raw = await this.redis.get(this.referenceKey(channel));
    return raw ? (JSON.parse(raw) as Partial<ConversationReference>) : undefined;
  }

  /** Proactive post (workers, approvals): into the stored conversation. */
  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    const reference = await this.reference(thread.channel);
    if (!reference)
      throw new VoidError(
        'teams.unknown_conversation',
        'Void has no record of this Teams conversation; it cannot post there.',
      );
    await this.adapter.continueIn(reference, (context) => this.deliver(context, thread.channel, reply));
  }

  /** Sends, or updates in place the message already sent for the reply's key. Used in-turn and proactively. */
  async deliver(context: TurnContext, channel: string, reply: Reply): Promise<void> {
    const message = renderReply(reply) as Partial<Activity>;
    if (!reply.key) {
      await context.sendActivity(message);
      return;
    }
    const key = this.messageKey(channel, reply.key);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await this.redis.set(key, PENDING, 'EX', 30, 'NX')) === 'OK')
        return this.sendFirst(context, key, message, reply);
      const stored = await this.redis.get(key);
      if (stored && stored !== PENDING)
        return reply.opening ? undefined : this.update(context, key, stored, message, reply);
      // Another process is sending the first message for this key right now: wait for its activity id.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new VoidError('teams.update_timeout', `Timed out waiting for the first message of ${reply.key}.`);
  }

  private async sendFirst(context: TurnContext, key: string, message: Partial<Activity>, reply: Reply): Promise<void> {
    try {
      const sent = await context.sendActivity(message);
      if (!sent?.id) {
        await this.redis.del(key);
        return;
      }
      await this.redis.set(key, `${sent.id}${isFinalReply(reply) ? FINAL : ''}`, 'EX', MESSAGE_TTL_SECONDS);
    } catch (error) {
      await this.redis.del(key).catch(() => undefined);
      throw error;
    }
  }

  private async update(
    context: TurnContext,
    key: string,
    stored: string,
    message: Partial<Activity>,
    reply: Reply,
  ): Promise<void> {
    const final = stored.endsWith(FINAL);
    const id = final ? stored.slice(0, -FINAL.length) : stored;
    if (final && !isFinalReply(reply)) {
      this.log.debug({ key: reply.key }, 'late progress update after the final message; not shown');
      return;
    }
    await context.updateActivity({ ...message, id, conversation: context.activity.conversation });
    if (isFinalReply(reply) && !final) await this.redis.set(key, `${id}${FINAL}`, 'EX', MESSAGE_TTL_SECONDS);
  }
}
