// Slack payloads → neutral InboundCommand pieces, and neutral replies → Block Kit. No SDK here: plain data.
import type { ApprovalCard } from '../core/approvals.port.js';
import { absoluteUtc, humaniseText, shortSha } from '../core/display.js';
import type { TenantRegistry } from '../core/registry.js';
import type { Reply, ThreadRef } from '../core/types.js';
import type { SlackBody } from './body.js';
import { obj, optStr } from './fields.js';
import { JIRA_CREATE_VIEW } from './jira-modal.js';

export const APPROVE_ACTION = 'void_approve';
export const REJECT_ACTION = 'void_reject';
export const REJECT_VIEW = 'void_reject_reason';

/** Where a payload comes from: workspace, enterprise (Grid) and person. */
export interface SlackOrigin {
  readonly teamId: string;
  readonly enterpriseId?: string | undefined;
  readonly userId: string;
}

/** The thread reference carries the team id, so that any process can pick the right workspace token. */
export function threadRef(teamId: string, channel: string, ts?: string): ThreadRef {
  return { platform: 'slack', channel: `${teamId}/${channel}`, thread: ts };
}

export function splitChannel(ref: ThreadRef): { teamId: string; channel: string } {
  const slash = ref.channel.indexOf('/');
  return slash < 0
    ? { teamId: '', channel: ref.channel }
    : { teamId: ref.channel.slice(0, slash), channel: ref.channel.slice(slash + 1) };
}

/** Team, enterprise and user of a slash command, an event or an interaction; undefined when the body has none. */
export function originOf(body: SlackBody): SlackOrigin | undefined {
  if (typeof body.command === 'string') {
    const teamId = optStr(body.team_id);
    const userId = optStr(body.user_id);
    return teamId && userId ? { teamId, userId, enterpriseId: optStr(body.enterprise_id) } : undefined;
  }
  if (body.type === 'event_callback') {
    const event = obj(body.event);
    const teamId = optStr(body.team_id) ?? optStr(event.team);
    const userId = optStr(event.user);
    return teamId && userId ? { teamId, userId, enterpriseId: optStr(body.enterprise_id) } : undefined;
  }
  const team = obj(body.team);
  const user = obj(body.user);
  const teamId = optStr(team.id) ?? optStr(user.team_id);
  const userId = optStr(user.id);
  return teamId && userId ? { teamId, userId, enterpriseId: optStr(obj(body.enterprise).id) } : undefined;
}

/** The workspace id bound in the tenants file: the team, or for Enterprise Grid the enterprise. */
export function workspaceIdFor(registry: TenantRegistry, origin: Pick<SlackOrigin, 'teamId' | 'enterpriseId'>): string {
  if (registry.tenantFor('slack', origin.teamId)) return origin.teamId;
  if (origin.enterpriseId && registry.tenantFor('slack', origin.enterpriseId)) return origin.enterpriseId;
  return origin.teamId;
}

/** The Approve or Reject action of a click (block_actions), if it carries one. */
export function decisionActionOf(body: SlackBody): Record<string, unknown> | undefined {
  return ((body.actions as unknown[]) ?? [])
    .map(obj)
    .find((a) => [APPROVE_ACTION, REJECT_ACTION].includes(String(a.action_id)));
}

/** True for requests that ask Void to do something (and so need a known workspace and person). */
export function isCommandPayload(body: SlackBody): boolean {
  if (typeof body.command === 'string') return true;
  if (body.type === 'block_actions') return decisionActionOf(body) !== undefined;
  if (body.type === 'view_submission')
    return obj(body.view).callback_id === REJECT_VIEW || obj(body.view).callback_id === JIRA_CREATE_VIEW;
  if (body.type !== 'event_callback') return false;
  const event = obj(body.event);
  return event.type === 'app_mention' || isDirectMessage(event);
}

export function isDirectMessage(event: SlackBody): boolean {
  return (
    event.type === 'message' && event.channel_type === 'im' && event.subtype === undefined && event.bot_id === undefined
  );
}

/** Command text of a mention or DM: leading mentions removed, Slack's entity escaping undone. */
export function commandText(text: string): string {
  const stripped = text.replace(/^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+/, '');
  return stripped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

/** Stable per click: a double click on the same button of the same message by the same person is one delivery. */
export function clickDeliveryId(body: SlackBody, action: SlackBody): string {
  const origin = originOf(body);
  const container = obj(body.container);
  const ts = optStr(container.message_ts) ?? optStr(obj(body.message).ts) ?? '';
  return `click-${String(action.action_id)}-${String(action.value ?? '')}-${ts}-${origin?.userId ?? ''}`;
}

export function slashDeliveryId(triggerId: string): string {
  return `slash-${triggerId}`;
}

/** mrkdwn escaping of text people typed (Slack's three control characters). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface RenderedMessage {
  readonly text: string;
  readonly blocks?: readonly SlackBody[];
}

/** Slack user ids of a member (from the tenants file), for mentions. */
export type SlackIdsOf = (tenantId: string, memberId: string) => readonly string[];

export function renderReply(reply: Reply, slackIdsOf: SlackIdsOf): RenderedMessage {
  // A private copy (`status <id>`) never carries buttons: an ephemeral message is never updated, so its buttons would
  // go stale; the request's own card in its thread is the one that is decided and updated.
  if (reply.approval) return renderApproval(reply.approval, slackIdsOf, { actionable: !reply.private });
  return { text: slackText(escapeMrkdwn(reply.text)) };
}

/** Times in every reader's own time zone (Slack's date token) and commits as short SHAs. */
function slackText(text: string): string {
  return humaniseText(text, slackDate);
}

const STATE_LABEL: Record<ApprovalCard['state'], string> = {
  pending: '⏳ Approval needed',
  approved: '✅ Approved',
  rejected: '⛔ Rejected',
  expired: '⌛ Expired',
  cancelled: '🚫 Cancelled',
};

/** A time every reader sees in their own time zone (Slack's date token), with the ISO text as the fallback. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${escapeMrkdwn(absoluteUtc(iso))}>`;
}

function decisionLine(d: ApprovalCard['decisions'][number]): string {
  const verb = d.decision === 'approve' ? '✅ approved' : '❌ rejected';
  const reason = d.reason ? `: “${escapeMrkdwn(d.reason)}”` : '';
  return `${escapeMrkdwn(d.name)} ${verb} (${d.platform}, ${slackDate(d.at)})${reason}`;
}

/** "at 1a2b3c4" of a pinned deploy, linked to the commit. */
function summaryOf(card: ApprovalCard): string {
  const text = slackText(escapeMrkdwn(card.summary));
  const pin = card.pinned;
  if (!pin) return text;
  const short = shortSha(pin.sha);
  const link = `<https://github.com/${pin.repo}/commit/${pin.sha}|${short}>`;
  return text.includes(short) ? text.replace(short, link) : `${text} (commit ${link})`;
}

export function renderApproval(
  card: ApprovalCard,
  slackIdsOf: SlackIdsOf,
  options: { actionable?: boolean } = {},
): RenderedMessage {
  const label = `${card.voided ? '♻️ Void' : STATE_LABEL[card.state]}${card.breakGlass ? ' (break-glass)' : ''}`;
  const summary = summaryOf(card);
  const blocks: SlackBody[] = [
    {
      type: 'section',
      block_id: 'request',
      text: { type: 'mrkdwn', text: `*${label}*: ${summary}\nRequest \`${card.id}\`` },
    },
    {
      type: 'section',
      block_id: 'facts',
      fields: [
        { type: 'mrkdwn', text: `*Requested by*\n${escapeMrkdwn(card.requester.name)}` },
        { type: 'mrkdwn', text: `*Policy rule*\n${escapeMrkdwn(card.rule)}` },
        { type: 'mrkdwn', text: `*Still needed*\n${card.remaining ? escapeMrkdwn(card.remaining) : 'nothing'}` },
        { type: 'mrkdwn', text: `*Expires*\n${slackDate(card.expiresAt)}` },
      ],
    },
  ];
  if (card.voided)
    blocks.push({
      type: 'context',
      block_id: 'void',
      elements: [
        {
          type: 'mrkdwn',
          text:
            `Void: ${slackText(escapeMrkdwn(card.voided.note))}. Approvals count only for what will run; ` +
            `ask again.`,
        },
      ],
    });
  if (card.decisions.length)
    blocks.push({
      type: 'context',
      block_id: 'decisions',
      elements: [{ type: 'mrkdwn', text: card.decisions.map(decisionLine).join('\n') }],
    });
  if (card.state === 'pending' && options.actionable === false) {
    blocks.push({
      type: 'context',
      block_id: 'where',
      elements: [
        {
          type: 'mrkdwn',
          text:
            `Only you can see this copy. Decide on the request's card in its thread, or say \`/void ` +
            `approve ${card.id}\` or \`/void reject ${card.id} <reason>\`.`,
        },
      ],
    });
  } else if (card.state === 'pending') {
    const mentions = card.eligibleApprovers.flatMap((a) =>
      slackIdsOf(card.tenantId, a.memberId)
        .slice(0, 1)
        .map((id) => `<@${id}>`),
    );
    if (mentions.length)
      blocks.push({
        type: 'context',
        block_id: 'approvers',
        elements: [{ type: 'mrkdwn', text: `Can approve: ${mentions.join(' ')}` }],
      });
    blocks.push({
      type: 'actions',
      block_id: 'decide',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: card.id,
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: card.id,
        },
      ],
    });
  }
  const still = card.remaining ? ` Still needed: ${card.remaining}.` : '';
  return {
    text: `${label}: ${humaniseText(card.summary, (iso) => iso)} (requested by ${card.requester.name}).${still}`,
    blocks,
  };
}
