// The shape of a VERIFIED Slack request body, once the inbound pipeline's safe parser (bot/http/parse.ts) has read it:
// form fields for slash commands, a `payload` form field holding JSON for interactivity, JSON for the Events API.
// Anything malformed is a value, never an exception: the receiver answers 400.
import { refused, type Refused } from '../core/outcome.js';
import { parseFormOrJson } from '../http/parse.js';

export type SlackBody = Record<string, unknown>;

export type ParsedBody = { ok: true; body: SlackBody } | Refused;

const REQUIRED = ['command', 'team_id', 'user_id', 'channel_id', 'trigger_id'];

/**
 * A parsed body → a Slack request (an event or interaction with a "type", an SSL check, a slash command), or why not.
 */
export function slackShape(body: SlackBody): ParsedBody {
  if (typeof body.type === 'string' || body.ssl_check !== undefined) return { ok: true, body };
  if (body.command === undefined) return refused('slack.bad_body', {});
  const missing = REQUIRED.filter((name) => !body[name]);
  if (missing.length) return refused('slack.bad_body', { missing });
  return { ok: true, body };
}

export function parseSlackBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const parsed = parseFormOrJson(raw, contentType);
  return parsed.ok ? slackShape(parsed.value) : parsed;
}
