// Approval requests as Adaptive Cards 1.5 with Universal Actions (Action.Execute). The card carries only the
// approval id: the tenant comes from the clicker's AAD tenant, never from card data.
import type { ApprovalCard } from '../core/approvals.port.js';
import { humaniseText, humanTime, inlineTime } from '../core/display.js';

export const APPROVE_VERB = 'void.approve';
export const REJECT_VERB = 'void.reject';
export const REASON_INPUT = 'reason';

const STATE_LABEL: Readonly<Record<ApprovalCard['state'], string>> = {
  pending: '⏳ Pending',
  approved: '✅ Approved',
  rejected: '⛔ Rejected',
  expired: '⌛ Expired',
  cancelled: '🚫 Cancelled',
};

type Element = Record<string, unknown>;

export function approvalCard(card: ApprovalCard, now: Date = new Date()): Record<string, unknown> {
  const pending = card.state === 'pending';
  const body: Element[] = [
    {
      type: 'TextBlock',
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      text: `${pending ? 'Approval needed' : 'Approval request'}: ${humaniseText(card.summary, (iso) => iso)}`,
    },
    { type: 'FactSet', facts: facts(card, now) },
  ];
  if (card.voided)
    body.push({
      type: 'TextBlock',
      wrap: true,
      color: 'Warning',
      text:
        `Void: ${humaniseText(card.voided.note, (iso) => inlineTime(iso, now))}. Approvals count only for what ` +
        `will run; ask again.`,
    });
  if (card.breakGlass)
    body.push({
      type: 'TextBlock',
      wrap: true,
      color: 'Attention',
      weight: 'Bolder',
      text: '🚨 Break-glass: run without the required approvals',
    });
  if (card.decisions.length) {
    body.push({ type: 'TextBlock', wrap: true, weight: 'Bolder', spacing: 'Medium', text: 'Decisions' });
    for (const d of card.decisions)
      body.push({ type: 'TextBlock', wrap: true, spacing: 'Small', text: decisionLine(d) });
  }
  if (pending && card.eligibleApprovers.length) {
    body.push({
      type: 'TextBlock',
      wrap: true,
      isSubtle: true,
      text: `Can approve: ${card.eligibleApprovers.map((a) => a.name).join(', ')}`,
    });
  }
  if (pending)
    body.push({
      type: 'Input.Text',
      id: REASON_INPUT,
      isMultiline: true,
      maxLength: 500,
      label: 'Reason (required to reject)',
      placeholder: 'Why reject this request?',
    });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    actions: pending ? actions(card.id) : [],
  };
}

function facts(card: ApprovalCard, now: Date): Array<{ title: string; value: string }> {
  const list = [
    { title: 'Request', value: card.id },
    { title: 'Requested by', value: card.requester.name },
    { title: 'State', value: card.voided ? '♻️ Void' : (STATE_LABEL[card.state] ?? String(card.state)) },
    { title: 'Rule', value: card.rule },
  ];
  if (card.remaining) list.push({ title: 'Still needed', value: card.remaining });
  if (card.state === 'pending') list.push({ title: 'Expires', value: humanTime(card.expiresAt, now) });
  return list;
}

function decisionLine(d: ApprovalCard['decisions'][number]): string {
  const verb = d.decision === 'approve' ? '✅ approved' : '⛔ rejected';
  return `${d.name} ${verb} from ${d.platform} ${teamsTime(d.at)}${d.reason ? `: "${d.reason}"` : ''}`;
}

/** Teams renders {{DATE()}} and {{TIME()}} in each reader's own time zone (Adaptive Card text functions). */
export function teamsTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const rfc = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `on {{DATE(${rfc}, SHORT)}} at {{TIME(${rfc})}}`;
}

function actions(approvalId: string): Element[] {
  return [
    {
      type: 'Action.Execute',
      title: 'Approve',
      verb: APPROVE_VERB,
      style: 'positive',
      associatedInputs: 'none',
      data: { approvalId },
    },
    {
      type: 'Action.Execute',
      title: 'Reject',
      verb: REJECT_VERB,
      style: 'destructive',
      associatedInputs: 'auto',
      data: { approvalId },
    },
  ];
}

/** What an Action.Execute click asks for, or undefined for anything else. */
export function parseCardAction(
  value: unknown,
): { decision: 'approve' | 'reject'; approvalId: string; reason?: string | undefined } | undefined {
  const action = (value as { action?: { type?: unknown; verb?: unknown; data?: unknown } } | undefined)?.action;
  if (!action || action.type !== 'Action.Execute') return undefined;
  const decision = action.verb === APPROVE_VERB ? 'approve' : action.verb === REJECT_VERB ? 'reject' : undefined;
  const data = (action.data ?? {}) as { approvalId?: unknown; reason?: unknown };
  if (!decision || typeof data.approvalId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(data.approvalId))
    return undefined;
  const reason = typeof data.reason === 'string' && data.reason.trim() ? data.reason.trim().slice(0, 500) : undefined;
  return { decision, approvalId: data.approvalId, reason };
}
