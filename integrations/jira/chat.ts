// Replies in a JIRA ticket's thread, as comments: the ChatPort of the JIRA adapter. Apart from the ticket client
// (client.ts), which it uses, because chat replies and ticket operations are two ports.
import { VoidError } from '../../bot/core/errors.js';
import type { ChatPort } from '../../bot/core/ports.js';
import type { Reply, ThreadRef } from '../../bot/core/types.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import { renderComment } from './mapper.js';
import type { JiraTicketClient } from './client.js';

/** Replies in a ticket's thread as JIRA comments (thread.channel = issue key, thread.thread = site URL). A reply
 *  with a key (job progress, approval cards) updates the comment that carries that key as its hidden marker. */
export class JiraChatPort implements ChatPort {
  constructor(
    private readonly registry: TenantRegistry,
    private readonly tickets: JiraTicketClient,
  ) {}

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    const tenant = thread.thread ? this.registry.tenantFor('jira', thread.thread) : undefined;
    if (!tenant)
      throw new VoidError('jira.unknown_thread', `no tenant is bound to the JIRA site of ticket ${thread.channel}`);
    await this.tickets.upsertAdf(
      tenant.id,
      thread.channel,
      renderComment(reply),
      reply.key ? `reply:${reply.key}` : undefined,
      { onlyNew: Boolean(reply.opening) },
    );
  }
}
