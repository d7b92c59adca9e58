// Neutral replies → GitHub-flavoured Markdown comments. What a person reads is checked against golden files
// (test/fixtures/github/golden/).
import type { ApprovalCard } from '../../bot/core/approvals.port.js';
import { humaniseText, humanTime, inlineTime, shortSha } from '../../bot/core/display.js';
import type { Reply } from '../../bot/core/types.js';

const STATE_TITLE: Record<ApprovalCard['state'], string> = {
  pending: '🔐 **Approval needed**',
  approved: '✅ **Approved**',
  rejected: '⛔ **Rejected**',
  expired: '⌛ **Expired**',
  cancelled: '🚫 **Cancelled**',
};

/** GitHub logins of a member (from the tenants file), so that approvers are @mentioned and notified. */
export type GithubLoginsOf = (tenantId: string, memberId: string) => readonly string[];

export interface RenderOptions {
  readonly loginsOf?: GithubLoginsOf | undefined;
  readonly now?: Date | undefined;
  /** GitHub's web address for links (GitHub Enterprise: its host); default https://github.com. */
  readonly webUrl?: string | undefined;
}

/** Keeps people's text from opening HTML comments (markers) or mentioning whole teams by accident. */
export function escapeText(text: string): string {
  return text.replace(/<!--/g, '&lt;!--').replace(/@(?=[A-Za-z0-9-]+\/)/g, '@\u200b');
}

/** Times as "in 59 min (4 Dec 12:22 UTC)" and full SHAs as short ones, in text people read. */
function humanised(text: string, now: Date): string {
  return humaniseText(text, (iso) => inlineTime(iso, now));
}

/** `@login` when the member has a GitHub identity (GitHub notifies them), else their name. */
function person(card: ApprovalCard, who: { memberId: string; name: string }, options: RenderOptions): string {
  const login = options.loginsOf?.(card.tenantId, who.memberId)[0];
  return login && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login) ? `@${login}` : escapeText(who.name);
}

/** "at 1a2b3c4" of a pinned deploy, linked to the commit. */
function summaryOf(card: ApprovalCard, webUrl: string): string {
  const text = escapeText(card.summary);
  const pin = card.pinned;
  if (!pin) return humaniseText(text, (iso) => iso);
  const short = shortSha(pin.sha);
  const linked = `[\`${short}\`](${webUrl}/${pin.repo}/commit/${pin.sha})`;
  const replaced = text.replace(pin.sha, short).replace(new RegExp(`\\b${short}\\b`), linked);
  return replaced.includes(linked) ? replaced : `${replaced} (commit ${linked})`;
}

export function renderApproval(card: ApprovalCard, options: RenderOptions = {}): string {
  const now = options.now ?? new Date();
  const title = card.voided ? '♻️ **Void**' : STATE_TITLE[card.state];
  const lines = [`${title} \`${card.id}\`: ${summaryOf(card, options.webUrl ?? 'https://github.com')}`, ''];
  lines.push(`Requested by ${escapeText(card.requester.name)} · rule \`${escapeText(card.rule)}\``);
  if (card.voided)
    lines.push(
      `Void: ${humanised(escapeText(card.voided.note), now)}. Approvals count only for what will run; ask again.`,
    );
  if (card.state === 'pending') {
    if (card.remaining) lines.push(`Still needed: ${escapeText(card.remaining)}`);
    if (card.eligibleApprovers.length)
      lines.push(`May approve: ${card.eligibleApprovers.map((a) => person(card, a, options)).join(', ')}`);
    lines.push(`Expires ${humanTime(card.expiresAt, now)}`);
  }
  for (const d of card.decisions) {
    const reason = d.reason ? `: ${escapeText(d.reason)}` : '';
    lines.push(
      `- ${person(card, d, options)} ${d.decision === 'approve' ? 'approved' : 'rejected'} ` +
        `on ${d.platform} ${humanTime(d.at, now)}${reason}`,
    );
  }
  if (card.state === 'pending')
    lines.push('', `Reply \`/void approve ${card.id}\` or \`/void reject ${card.id} <reason>\`.`);
  return lines.join('\n');
}

/** Multi-line usage help becomes a code block so that its alignment survives Markdown. */
function renderText(reply: Reply, now: Date): string {
  const text = humanised(escapeText(reply.text), now);
  if (reply.kind !== 'usage' && !text.includes('\n  ')) return text;
  const [first, ...rest] = text.split('\n');
  return rest.length ? `${first}\n\n\`\`\`text\n${rest.join('\n')}\n\`\`\`` : text;
}

export function renderReply(reply: Reply, mention?: string, options: RenderOptions = {}): string {
  const body = reply.approval ? renderApproval(reply.approval, options) : renderText(reply, options.now ?? new Date());
  return mention ? `@${mention} ${body}` : body;
}
