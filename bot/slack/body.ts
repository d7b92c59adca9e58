// Parses a VERIFIED Slack request body (form fields for slash commands, a `payload` form field holding JSON for
// interactivity, JSON for the Events API). Anything malformed is a value, never an exception: the receiver answers 400.
export type SlackBody = Record<string, unknown>;

export type ParsedBody = { ok: true; body: SlackBody } | { ok: false; message: string };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 64;

/** JSON with no prototype-polluting keys and bounded nesting, as an object. */
export function parseJsonObject(text: string): SlackBody | undefined {
  let forbidden = false;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden = true;
      return v;
    });
  } catch {
    return undefined;
  }
  if (forbidden || !isPlainObject(value) || depthOf(value) > MAX_DEPTH) return undefined;
  return value;
}

function isPlainObject(value: unknown): value is SlackBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nesting depth, iteratively (a 10,000-level body must not overflow the stack). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > max) max = depth;
    if (max > MAX_DEPTH) return max;
    if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}

/** Strict application/x-www-form-urlencoded: every pair must decode, no key twice, no forbidden keys. */
export function parseForm(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (text.length === 0) return undefined;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
      value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    if (FORBIDDEN_KEYS.has(key) || key in out) return undefined;
    out[key] = value;
  }
  return { ...out };
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function parseSlackBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const text = raw.toString('utf8');
  const type = mediaType(contentType);
  if (type === 'application/json') {
    const body = parseJsonObject(text);
    if (!body || typeof body.type !== 'string') return { ok: false, message: 'The body is not a Slack event (JSON object with a "type").' };
    return { ok: true, body };
  }
  if (type !== 'application/x-www-form-urlencoded') return { ok: false, message: 'Expected application/x-www-form-urlencoded or application/json.' };
  const form = parseForm(text);
  if (!form) return { ok: false, message: 'The form body is malformed.' };
  if (form.payload !== undefined) {
    const payload = parseJsonObject(form.payload);
    if (!payload || typeof payload.type !== 'string') return { ok: false, message: 'The "payload" field is not a Slack interaction (JSON object with a "type").' };
    return { ok: true, body: payload };
  }
  if (form.ssl_check !== undefined) return { ok: true, body: form };
  const required = ['command', 'team_id', 'user_id', 'channel_id', 'trigger_id'];
  const missing = required.filter((name) => !form[name]);
  if (missing.length) return { ok: false, message: `The slash command is missing ${missing.join(', ')}.` };
  return { ok: true, body: form };
}
