// JIRA Cloud webhook payload → neutral facts (site, ticket, actor, changes), and neutral replies → JIRA comment
// bodies (Atlassian Document Format). Payloads are read through zod, loosely: JIRA adds fields freely, and only
// what Void uses is checked.
import { z } from 'zod';
import { humaniseText, inlineTime } from '../../bot/core/display.js';
import type { Reply } from '../../bot/core/types.js';

const named = z.object({ name: z.string() }).loose();
const account = z.object({ accountId: z.string().min(1) }).loose();

const issueSchema = z
  .object({
    id: z.string().optional(),
    self: z.string().optional(),
    key: z.string().regex(/^[A-Z][A-Z0-9_]{0,9}-\d{1,9}$/),
    fields: z
      .object({
        project: z.object({ key: z.string() }).loose().optional(),
        issuetype: named.nullish(),
        status: named.nullish(),
        labels: z.array(z.string()).nullish(),
        components: z.array(named).nullish(),
        summary: z.string().nullish(),
      })
      .loose()
      .default({}),
  })
  .loose();

const changeItem = z
  .object({ field: z.string(), fromString: z.string().nullish(), toString: z.string().nullish() })
  .loose();

export const webhookSchema = z
  .object({
    webhookEvent: z.string(),
    timestamp: z.number().optional(),
    user: account.nullish(),
    issue: issueSchema.optional(),
    changelog: z
      .object({ items: z.array(changeItem).default([]) })
      .loose()
      .nullish(),
    comment: z
      .object({ self: z.string().optional(), id: z.string().optional(), author: account.nullish(), body: z.unknown() })
      .loose()
      .optional(),
  })
  .loose();

export type JiraWebhook = z.infer<typeof webhookSchema>;
export type JiraIssuePayload = z.infer<typeof issueSchema>;
export type ChangeItem = z.infer<typeof changeItem>;

/** The state of a ticket that automation rules look at. */
export interface TicketState {
  readonly project: string;
  readonly issueType: string;
  readonly status: string;
  readonly labels: readonly string[];
  readonly components: readonly string[];
}

/** Invisible characters (U+2063 INVISIBLE SEPARATOR, U+2064 INVISIBLE PLUS) that earlier versions of Void put at the
 *  start of their comments and ticket descriptions. Void no longer writes them (people copied them along, and they
 *  showed up in search and exports): its comments now carry the `void.marker` comment property and its tickets the
 *  `void.created` issue property. Comments that still carry them are recognised as Void's own. */
export const VOID_SENTINEL = '\u2063\u2064\u2063';

/** The origin of an http(s) URL (a JIRA Cloud REST URL → its site), or undefined when it is not one. */
export function originOf(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The site of the event: the origin of `issue.self` or `comment.self` (JIRA Cloud REST URLs), else `?site=`. */
export function siteOf(payload: JiraWebhook, siteParam: string | null): string | undefined {
  return namedSites(payload, siteParam)[0];
}

/** Every site a delivery names (`issue.self`, `comment.self`, `?site=`), as origins. */
export function namedSites(payload: JiraWebhook, siteParam: string | null): string[] {
  return [payload.issue?.self, payload.comment?.self, siteParam ?? undefined].flatMap((candidate) => {
    const origin = candidate ? originOf(candidate) : undefined;
    return origin ? [origin] : [];
  });
}

export function stateOf(issue: JiraIssuePayload): TicketState {
  const f = issue.fields;
  return {
    project: f.project?.key ?? issue.key.split('-')[0] ?? '',
    issueType: f.issuetype?.name ?? '',
    status: f.status?.name ?? '',
    labels: f.labels ?? [],
    components: (f.components ?? []).map((c) => c.name),
  };
}

/** The state before this change, by undoing the changelog items (labels, components, type, status). */
export function previousState(after: TicketState, items: readonly ChangeItem[]): TicketState {
  let { labels, components, issueType, status } = after;
  for (const item of items) {
    const field = item.field.toLowerCase();
    if (field === 'labels') labels = splitLabels(item.fromString);
    else if (field === 'component') {
      components = components.filter((c) => c !== item.toString);
      if (item.fromString) components = [...components, item.fromString];
    } else if (field === 'issuetype') issueType = item.fromString ?? '';
    else if (field === 'status') status = item.fromString ?? '';
  }
  return { ...after, labels, components, issueType, status };
}

function splitLabels(text: string | null | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

/** The status this update moved the ticket to, if it was a transition. */
export function transitionedTo(items: readonly ChangeItem[]): string | undefined {
  return items.find((i) => i.field.toLowerCase() === 'status')?.toString ?? undefined;
}

/** Plain text of a comment body: a wiki-markup string (admin webhooks) or an ADF document. */
export function commentText(body: unknown): string {
  if (typeof body === 'string') return body;
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 50 || !node || typeof node !== 'object') return;
    const n = node as { type?: unknown; text?: unknown; content?: unknown };
    if (typeof n.text === 'string') out.push(n.text);
    if (Array.isArray(n.content)) for (const child of n.content.slice(0, 500)) walk(child, depth + 1);
    if (n.type === 'paragraph' || n.type === 'hardBreak') out.push('\n');
  };
  walk(body, 0);
  return out.join('');
}

const TICKET_ARG = /^[A-Za-z][A-Za-z0-9_]{0,9}-\d{1,9}$/;

/** The `/void <command>` in a comment (first such line), with the ticket filled in for `triage`/`implement`. */
export function commentCommand(text: string, issueKey: string): string | undefined {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^\/void(?:\s|$)/i.test(l));
  if (line === undefined) return undefined;
  const words = line
    .replace(/^\/void/i, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const verb = words[0]?.toLowerCase();
  if ((verb === 'triage' || verb === 'implement') && !TICKET_ARG.test(words[1] ?? '')) words.splice(1, 0, issueKey);
  return words.join(' ');
}

type AdfNode = Record<string, unknown>;

const URL_RE = /(https?:\/\/[^\s<>()]+)/g;

function inline(text: string): AdfNode[] {
  const nodes: AdfNode[] = [];
  for (const part of text.split(URL_RE)) {
    if (!part) continue;
    if (/^https?:\/\//.test(part))
      nodes.push({ type: 'text', text: part, marks: [{ type: 'link', attrs: { href: part } }] });
    else nodes.push({ type: 'text', text: part });
  }
  return nodes;
}

/** Text as ADF paragraphs: one per line, links clickable, times as "in 59 min (4 Dec 12:22 UTC)", short SHAs. */
export function textToAdf(lines: readonly string[], now: Date = new Date()): AdfNode {
  const content = lines.map((line) => {
    const parts = inline(humaniseText(line, (iso) => inlineTime(iso, now)));
    return parts.length ? { type: 'paragraph', content: parts } : { type: 'paragraph' };
  });
  return { type: 'doc', version: 1, content };
}

/** A reply as a JIRA comment (ADF). No marker in the text: the JIRA client tags Void's comments with a property. */
export function renderComment(reply: Reply, now: Date = new Date()): AdfNode {
  const lines = [...reply.text.split('\n')];
  if (reply.approval) {
    const a = reply.approval;
    lines.push(`Approval ${a.id}: ${a.voided ? 'void' : a.state}${a.remaining ? `, ${a.remaining}` : ''}.`);
    if (a.state === 'pending')
      lines.push(`Decide with a comment: /void approve ${a.id}  or  /void reject ${a.id} <reason>`);
  }
  if (reply.private) lines.push('(Void could not reply privately in JIRA, so this reply is visible on the ticket.)');
  return textToAdf(lines, now);
}
