// Neutral replies → GitHub-flavoured Markdown comments. What a person reads is checked against golden files
// (test/fixtures/github/golden/).
import type { ApprovalCard } from '../../bot/core/approvals.port.js';
import type { Reply } from '../../bot/core/types.js';

const STATE_TITLE: Record<ApprovalCard['state'], string> = {
  pending: '🔐 **Approval needed**',
  approved: '✅ **Approved**',
  rejected: '⛔ **Rejected**',
  expired: '⌛ **Expired**',
  cancelled: '🚫 **Cancelled**',
};

/** Keeps people's text from opening HTML comments (markers) or mentioning whole teams by accident. */
export function escapeText(text: string): string {
  return text.replace(/<!--/g, '&lt;!--').replace(/@(?=[A-Za-z0-9-]+\/)/g, '@\u200b');
}

export function renderApproval(card: ApprovalCard): string {
  const lines = [`${STATE_TITLE[card.state]} \`${card.id}\`: ${escapeText(card.summary)}`, ''];
  lines.push(`Requested by ${escapeText(card.requester.name)} · rule \`${escapeText(card.rule)}\``);
  if (card.state === 'pending') {
    if (card.remaining) lines.push(`Still needed: ${escapeText(card.remaining)}`);
    if (card.eligibleApprovers.length) lines.push(`May approve: ${card.eligibleApprovers.map((a) => escapeText(a.name)).join(', ')}`);
    lines.push(`Expires ${card.expiresAt}`);
  }
  for (const d of card.decisions) {
    const reason = d.reason ? `: ${escapeText(d.reason)}` : '';
    lines.push(`- ${escapeText(d.name)} ${d.decision === 'approve' ? 'approved' : 'rejected'} (${d.platform}, ${d.at})${reason}`);
  }
  if (card.state === 'pending') lines.push('', `Reply \`/void approve ${card.id}\` or \`/void reject ${card.id} <reason>\`.`);
  return lines.join('\n');
}

/** Multi-line usage help becomes a code block so that its alignment survives Markdown. */
function renderText(reply: Reply): string {
  const text = escapeText(reply.text);
  if (reply.kind !== 'usage' && !text.includes('\n  ')) return text;
  const [first, ...rest] = text.split('\n');
  return rest.length ? `${first}\n\n\`\`\`text\n${rest.join('\n')}\n\`\`\`` : text;
}

export function renderReply(reply: Reply, mention?: string): string {
  const body = reply.approval ? renderApproval(reply.approval) : renderText(reply);
  return mention ? `@${mention} ${body}` : body;
}
