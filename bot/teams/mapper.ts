// Bot Framework activities → Void's neutral model, and Void's replies → Teams messages (text or Adaptive Card).
import { z } from 'zod';
import { humaniseText } from '../core/display.js';
import { refused, type Refused } from '../core/outcome.js';
import { parseJsonObject } from '../http/parse.js';
import type { InboundCommand, Reply, ThreadRef } from '../core/types.js';
import { approvalCard } from './cards.js';

const account = z.looseObject({
  id: z.string().min(1).max(512),
  name: z.string().max(512).optional(),
  aadObjectId: z.string().max(128).optional(),
});

/** The SDK reads every entity's `type` and a mention's `mentioned.id` without checks: malformed ones are a 400. */
const entity = z
  .looseObject({ type: z.string().max(128), mentioned: z.looseObject({ id: z.string().max(512) }).optional() })
  .refine(
    (e) => e.type.toLowerCase() !== 'mention' || e.mentioned !== undefined,
    'a mention entity needs "mentioned.id"',
  );

/** What Void reads of an activity; everything else is passed through to the SDK untouched. */
export const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(512).optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url().max(2048),
  from: account.optional(),
  recipient: account.optional(),
  conversation: z.looseObject({
    id: z.string().min(1).max(1024),
    conversationType: z.string().max(64).optional(),
    tenantId: z.string().max(128).optional(),
    isGroup: z.boolean().optional(),
  }),
  text: z.string().max(200_000).optional(),
  entities: z.array(entity).max(1000).optional(),
  name: z.string().max(256).optional(),
  replyToId: z.string().max(512).optional(),
  channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().max(128) }).optional() }).optional(),
});

export type TeamsActivity = z.infer<typeof activitySchema>;

export type ParsedActivity = { ok: true; activity: TeamsActivity } | Refused;

/** Raw body bytes → activity, or a clear message for a 400. Never throws. */
/** The raw bytes → an activity, through the inbound pipeline's safe parser (depth limit, no __proto__ keys). */
export function parseActivity(body: Buffer): ParsedActivity {
  const parsed = parseJsonObject(body.toString('utf8'));
  return parsed.ok ? activityFrom(parsed.value) : parsed;
}

/** A parsed JSON object → an activity, or why not. */
export function activityFrom(value: unknown): ParsedActivity {
  const result = activitySchema.safeParse(value);
  if (result.success) return { ok: true, activity: result.data };
  const issue = result.error.issues[0];
  return refused('teams.bad_activity', {
    path: issue?.path.join('.') || 'body',
    issue: issue?.message ?? 'unexpected shape',
  });
}

/** The AAD tenant of the conversation (Teams puts it in two places). */
export function aadTenantOf(activity: TeamsActivity): string | undefined {
  return activity.conversation.tenantId ?? activity.channelData?.tenant?.id;
}

export function isPersonal(activity: TeamsActivity): boolean {
  return activity.conversation.conversationType === 'personal';
}

/** Where replies go: the conversation id as Teams gave it (a channel thread carries `;messageid=<root>`). */
export function threadOf(activity: TeamsActivity): ThreadRef {
  const root = activity.conversation.id.split(';messageid=')[1];
  return { platform: 'teams', channel: activity.conversation.id, thread: root || undefined };
}

/**
 * The command text: in channels and group chats only messages that @mention Void count, with the mention removed;
 * in personal chat the whole text. Undefined when the message is not for Void.
 */
export function commandText(activity: TeamsActivity, textWithoutMention: string): string | undefined {
  if (!isPersonal(activity) && !mentionsBot(activity)) return undefined;
  // Line breaks stay (a `jira create --description` may span lines); other runs of white space become one space.
  const text = decodeEntities(textWithoutMention.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, ' '))
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
  return text || undefined;
}

function mentionsBot(activity: TeamsActivity): boolean {
  const entities = (activity as { entities?: unknown }).entities;
  if (!Array.isArray(entities) || !activity.recipient) return false;
  return entities.some(
    (e: { type?: unknown; mentioned?: { id?: unknown } }) =>
      e?.type === 'mention' && e.mentioned?.id === activity.recipient?.id,
  );
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The neutral command for the dispatcher, or undefined when the activity carries none. */
export function toInboundCommand(activity: TeamsActivity, textWithoutMention: string): InboundCommand | undefined {
  const text = commandText(activity, textWithoutMention);
  const workspaceId = aadTenantOf(activity);
  const userId = activity.from?.aadObjectId;
  if (!text || !workspaceId || !userId || !activity.id) return undefined;
  return {
    platform: 'teams',
    workspaceId,
    platformUserId: userId,
    text,
    thread: threadOf(activity),
    deliveryId: activity.id,
  };
}

export interface OutboundMessage {
  readonly type: 'message';
  readonly text?: string;
  readonly textFormat?: 'xml';
  readonly attachments?: ReadonlyArray<{ contentType: string; content: Record<string, unknown> }>;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** A neutral reply as a Teams message: approval requests become Adaptive Cards, everything else text. */
export function renderReply(reply: Reply): OutboundMessage {
  if (reply.approval)
    return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD, content: approvalCard(reply.approval) }] };
  return { type: 'message', textFormat: 'xml', text: textToXml(humaniseText(reply.text)) };
}

/** Teams' xml text format: HTML-escaped, one `<br>` per line break. */
export function textToXml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.split('\n').join('<br>');
}
