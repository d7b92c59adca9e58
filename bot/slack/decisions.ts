// Approve / Reject buttons and the Reject modal: decisions go to the approvals port; the card is updated in place
// after each decision; refusals go to the clicker only. A double click (same button, message and person) is one
// delivery in the ledger, so it decides nothing twice.
import type { ApprovalsPort, DecisionOutcome } from '../core/approvals.port.js';
import type { TenantRegistry } from '../core/registry.js';
import type { ThreadRef } from '../core/types.js';
import { correlationIdFor } from '../dispatcher.js';
import type { DeliveryLedger } from '../idempotency.js';
import type { Logger } from '../logger.js';
import type { SlackAuth } from './auth.js';
import type { SlackBody } from './body.js';
import { obj, str } from './fields.js';
import type { SlackChatPort } from './client.js';
import { errorReply, type SlackConversations } from './conversations.js';
import {
  clickDeliveryId,
  originOf,
  renderApproval,
  threadRef,
  workspaceIdFor,
  type SlackIdsOf,
  type SlackOrigin,
} from './mapper.js';
import { parseRejectContext, rejectModal, type RejectContext } from './views.js';

export interface DecisionDeps {
  readonly registry: TenantRegistry;
  readonly approvals: () => ApprovalsPort | undefined;
  readonly ledger: DeliveryLedger;
  readonly port: SlackChatPort;
  readonly auth: SlackAuth;
  readonly conversations: SlackConversations;
  readonly slackIdsOf: SlackIdsOf;
  readonly log: Logger;
}

interface Decision {
  readonly origin: SlackOrigin;
  readonly approvalId: string;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string | undefined;
  readonly deliveryId: string;
  readonly card: { channel: string; messageTs: string; threadTs?: string | undefined };
}

export class SlackDecisions {
  constructor(private readonly deps: DecisionDeps) {}

  async onApproveClick(body: SlackBody, action: SlackBody): Promise<void> {
    const origin = originOf(body);
    const location = messageOf(body);
    if (!origin || !location) return;
    await this.decide({
      origin,
      approvalId: str(action.value),
      decision: 'approve',
      deliveryId: clickDeliveryId(body, action),
      card: location,
    });
  }

  /** Reject asks for a reason first: a modal (views.open must follow the click within 3 s). */
  async onRejectClick(body: SlackBody, action: SlackBody): Promise<void> {
    const origin = originOf(body);
    const location = messageOf(body);
    if (!origin || !location) return;
    const auth = await this.deps.auth.forTeam(origin.teamId, origin.enterpriseId);
    if (!auth) return;
    const context: RejectContext = {
      approvalId: str(action.value),
      channel: location.channel,
      messageTs: location.messageTs,
      threadTs: location.threadTs,
    };
    await this.deps.auth
      .client(auth.botToken)
      .views.open({ trigger_id: str(body.trigger_id), view: rejectModal(context) as never });
  }

  async onRejectSubmit(body: SlackBody): Promise<void> {
    const origin = originOf(body);
    const view = obj(body.view);
    const context = parseRejectContext(view.private_metadata);
    if (!origin || !context) return;
    const values = obj(obj(view.state).values);
    const reason = str(obj(obj(values.reason).reason).value).trim();
    const card = { channel: context.channel, messageTs: context.messageTs, threadTs: context.threadTs };
    await this.decide({
      origin,
      approvalId: context.approvalId,
      decision: 'reject',
      reason,
      deliveryId: `view-${str(view.id)}`,
      card,
    });
  }

  private async decide(d: Decision): Promise<void> {
    const thread = threadRef(d.origin.teamId, d.card.channel, d.card.threadTs ?? d.card.messageTs);
    const tell = (text: string) =>
      this.deps.conversations.tell(thread, d.origin.userId, { text, kind: 'refusal', private: true });
    const approvals = this.deps.approvals();
    if (!approvals) return tell('Approvals are not enabled in this deployment, so there is nothing to decide.');
    const resolution = this.deps.registry.resolve(
      'slack',
      workspaceIdFor(this.deps.registry, d.origin),
      d.origin.userId,
    );
    if (!resolution.ok) return tell(resolution.refusal.message);
    if ((await this.deps.ledger.claim('slack', d.deliveryId)) === 'duplicate') return;
    let outcome: DecisionOutcome;
    try {
      const request = {
        tenantId: resolution.tenant.id,
        approvalId: d.approvalId,
        actor: resolution.actor,
        decision: d.decision,
        reason: d.reason,
        correlationId: correlationIdFor('slack', d.deliveryId),
      };
      outcome = await approvals.decide(request);
      await this.deps.ledger.done('slack', d.deliveryId);
    } catch (error) {
      await this.deps.ledger.release('slack', d.deliveryId).catch(() => undefined);
      this.deps.log.error({ err: error, approvalId: d.approvalId }, 'deciding an approval from Slack failed');
      return this.deps.conversations.tell(thread, d.origin.userId, errorReply(error));
    }
    if (!outcome.ok) return tell(outcome.refusal.message);
    await this.updateCard(thread, d.card.messageTs, outcome.card);
    await this.deps.conversations.tell(thread, d.origin.userId, {
      text: outcome.message,
      kind: 'answer',
      private: true,
    });
  }

  private async updateCard(thread: ThreadRef, ts: string, card: Parameters<typeof renderApproval>[0]): Promise<void> {
    try {
      // The request's own card is updated by the approvals module, once per decision; only another copy is updated
      // here.
      if ((await this.deps.port.messageTsOf(thread, `approval:${card.id}`)) === ts) return;
      await this.deps.port.update(thread, ts, renderApproval(card, this.deps.slackIdsOf));
    } catch (error) {
      this.deps.log.warn({ err: error, approvalId: card.id }, 'could not update the approval message in Slack');
    }
  }
}

/** The message a button sits on: channel, ts, and the thread it belongs to. */
function messageOf(body: SlackBody): { channel: string; messageTs: string; threadTs?: string | undefined } | undefined {
  const container = obj(body.container);
  const message = obj(body.message);
  const channel = str(container.channel_id) || str(obj(body.channel).id);
  const messageTs = str(container.message_ts) || str(message.ts);
  if (!channel || !messageTs) return undefined;
  return { channel, messageTs, threadTs: str(message.thread_ts) || undefined };
}
