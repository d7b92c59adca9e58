// The one safe parser of inbound bodies, for every platform (bot/http/inbound.ts): JSON objects with bounded nesting
// and no prototype-polluting keys, and strict forms. Malformed input is a value (undefined), never an exception, and
// never a 500: the pipeline answers 400 with the reason.

import { refused, type Outcome } from '../core/outcome.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper bodies are refused: no platform sends more than about 15 levels. */
export const MAX_JSON_DEPTH = 64;

export type ParsedObject = Outcome<Record<string, unknown>>;

/** JSON text → a plain object, or why not. */
export function parseJsonObject(text: string): ParsedObject {
  // Depth first, on the text: a reviver on a body nested thousands deep would overflow the stack inside JSON.parse.
  if (nestsDeeper(text, MAX_JSON_DEPTH)) return refused('request.too_deep', { limit: MAX_JSON_DEPTH });
  let forbidden: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
      return v;
    });
  } catch {
    return refused('request.bad_json');
  }
  if (forbidden) return refused('request.forbidden_key', { key: forbidden, in: 'body' });
  if (!isPlainObject(value)) return refused('request.not_object');
  return { ok: true, value };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether brackets outside strings nest deeper than `limit`: one pass over the text, no recursion. */
function nestsDeeper(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

/** Strict application/x-www-form-urlencoded: every pair must decode, no key twice, no forbidden keys. */
export function parseForm(text: string): ParsedObject {
  // A plain object is safe here: the forbidden keys are refused before any assignment, and `own` (not `in`) tells a
  // repeated field from an inherited name such as `toString`.
  const out: Record<string, string> = {};
  if (text.length === 0) return refused('request.empty_form');
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return refused('request.bad_form');
    const key = formDecode(pair.slice(0, eq));
    const value = formDecode(pair.slice(eq + 1));
    if (key === undefined || value === undefined) return refused('request.bad_form');
    if (FORBIDDEN_KEYS.has(key)) return refused('request.forbidden_key', { key, in: 'form' });
    if (Object.hasOwn(out, key)) return refused('request.repeated_field', { key: key.slice(0, 40) });
    out[key] = value;
  }
  return { ok: true, value: out };
}

/** One form-encoded key or value (`+` is a space), or undefined when its escapes do not decode. */
function formDecode(encoded: string): string | undefined {
  const spaced = encoded.includes('+') ? encoded.replace(/\+/g, ' ') : encoded;
  if (!spaced.includes('%')) return spaced; // nothing to decode: most Slack fields
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A form (its `payload` field, when present, is JSON and parsed the same safe way) or JSON, by Content-Type. */
export function parseFormOrJson(raw: Buffer, contentType: string | undefined): ParsedObject {
  const text = raw.toString('utf8');
  const type = mediaType(contentType);
  if (type === 'application/json') return parseJsonObject(text);
  if (type !== 'application/x-www-form-urlencoded') return refused('request.bad_media_type');
  const form = parseForm(text);
  if (!form.ok || typeof form.value.payload !== 'string') return form;
  const payload = parseJsonObject(form.value.payload);
  return payload.ok ? payload : refused('request.bad_payload', { why: payload.refusal.message });
}
