// Approve / Reject clicks on approval cards. The clicker is resolved from their AAD tenant and object id (never from
// card data); the decision goes through the one ApprovalsPort, which enforces separation of duties. Success answers
// the invoke with the updated card and updates the message for every viewer; a refusal is a message shown to the
// clicker only, and the card stays as it was. A repeated invoke (same activity id) decides nothing.
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, Activity, TurnContext } from 'botbuilder';
import type { ApprovalCard, ApprovalsPort } from '../core/approvals.port.js';
import type { TenantRegistry } from '../core/registry.js';
import type { AuditTrail } from '../../audit/trail.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { correlationIdFor } from '../dispatcher.js';
import type { DeliveryLedger } from '../idempotency.js';
import type { Logger } from '../logger.js';
import { parseCardAction } from './cards.js';
import { aadTenantOf, ADAPTIVE_CARD, renderReply, type TeamsActivity } from './mapper.js';

export interface CardDecisionDeps {
  readonly registry: TenantRegistry;
  readonly approvals: () => ApprovalsPort | undefined;
  readonly ledger: DeliveryLedger;
  readonly audit: AuditTrail;
  readonly log: Logger;
  /** Which message is a request's own card in a conversation (the approvals module updates that one itself). */
  readonly chat?: { messageIdOf(channel: string, key: string): Promise<string | undefined> };
}

const message = (text: string): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.activity.message',
  value: text as unknown as Record<string, unknown>,
});
const cardResponse = (card: ApprovalCard): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: ADAPTIVE_CARD,
  value: cardContent(card),
});

function cardContent(card: ApprovalCard): Record<string, unknown> {
  return renderReply({ text: card.summary, kind: 'approval', approval: card }).attachments?.[0]?.content ?? {};
}

export class CardDecisions {
  constructor(private readonly deps: CardDecisionDeps) {}

  async handle(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const activity = context.activity;
    const action = parseCardAction(value);
    if (!action)
      return {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: 'Void does not know this card action.' },
      };
    const resolution = this.deps.registry.resolve(
      'teams',
      aadTenantOf(activity as unknown as TeamsActivity) ?? '',
      activity.from?.aadObjectId ?? '',
    );
    if (!resolution.ok) {
      const { refusal } = resolution;
      const tenantId = refusal.code === 'identity.unknown_user' ? refusal.params.tenant.id : undefined;
      await this.auditUnknown(activity, refusal.code, tenantId);
      return message(refusal.message);
    }
    const approvals = this.deps.approvals();
    if (!approvals) return message('The approvals module is not enabled in this deployment, so nothing was decided.');
    const { tenant, actor } = resolution;
    const deliveryId = `invoke:${activity.id ?? ''}`;
    if ((await this.deps.ledger.claim('teams', deliveryId)) === 'duplicate') {
      const current = await approvals.get(tenant.id, action.approvalId);
      return current ? cardResponse(current) : message('This click was already handled.');
    }
    if (action.decision === 'reject' && !action.reason) {
      await this.deps.ledger.release('teams', deliveryId);
      return message('Please write a reason in the box before rejecting.');
    }
    try {
      const outcome = await approvals.decide({
        tenantId: tenant.id,
        approvalId: action.approvalId,
        actor,
        decision: action.decision,
        reason: action.reason,
        correlationId: correlationIdFor('teams', deliveryId),
      });
      await this.deps.ledger.done('teams', deliveryId);
      if (!outcome.ok) return message(outcome.refusal.message);
      await this.updateForEveryone(context, outcome.card);
      return cardResponse(outcome.card);
    } catch (error) {
      await this.deps.ledger.release('teams', deliveryId).catch(() => undefined);
      throw error;
    }
  }

  /** The invoke response refreshes the clicker's card; updating the message shows the decision to every viewer. */
  private async updateForEveryone(context: TurnContext, card: ApprovalCard): Promise<void> {
    const id = context.activity.replyToId;
    if (!id) return;
    try {
      // The request's own card is updated by the approvals module for everyone, once per decision; only a copy
      // (`status <id>`) is updated here.
      const own = await this.deps.chat?.messageIdOf(context.activity.conversation.id, `approval:${card.id}`);
      if (own === id) return;
      await context.updateActivity({
        ...(renderReply({ text: card.summary, kind: 'approval', approval: card }) as Partial<Activity>),
        id,
      });
    } catch (error) {
      this.deps.log.warn(
        { err: { message: (error as Error).message }, approvalId: card.id },
        'could not update the approval card for every viewer',
      );
    }
  }

  private async auditUnknown(activity: Activity, code: string, tenantId: string | undefined): Promise<void> {
    await this.deps.audit.append({
      tenantId: tenantId ?? SYSTEM_TENANT,
      action: 'request.rejected',
      actor: { platform: 'teams', platformUserId: activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown' },
      target: 'approval card action',
      outcome: 'denied',
      details: { code },
      correlationId: correlationIdFor('teams', `invoke:${activity.id ?? ''}`),
    });
  }
}
