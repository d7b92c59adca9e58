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
  // Depth and keys first, on the text: a reviver on a body nested thousands deep would overflow the stack inside
  // JSON.parse, and a reviver on every body costs more than the parse itself.
  const plain = noForbiddenName(text);
  const scan = plain && fewBrackets(text, MAX_JSON_DEPTH) ? undefined : scanJson(text, MAX_JSON_DEPTH, !plain);
  if (scan === TOO_DEEP) return refused('request.too_deep', { limit: MAX_JSON_DEPTH });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refused('request.bad_json');
  }
  // A key written with escapes (`"\u005f_proto__"`) is only known once decoded: that rare body is read again, with a
  // reviver that sees every key as JSON.parse decoded it.
  const forbidden = scan === ESCAPED_KEY ? forbiddenKeyIn(text) : scan;
  if (forbidden) return refused('request.forbidden_key', { key: forbidden, in: 'body' });
  if (!isPlainObject(value)) return refused('request.not_object');
  return { ok: true, value };
}

function forbiddenKeyIn(text: string): string | undefined {
  let forbidden: string | undefined;
  JSON.parse(text, (key, v: unknown) => {
    if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
    return v;
  });
  return forbidden;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when no key of the text can be a forbidden one, found by native substring searches rather than a walk: a key
 *  that decodes to one is written either plainly or with a `\u` escape (JSON's short escapes decode to no letter and
 *  no `_`). Most bodies; the others are walked (scanJson). */
function noForbiddenName(text: string): boolean {
  return !(
    text.includes('\\u') ||
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype')
  );
}

/** True when the text holds at most `limit` opening brackets in all, in strings or not: it cannot nest deeper. */
function fewBrackets(text: string, limit: number): boolean {
  let opens = 0;
  for (let i = text.indexOf('{'); i !== -1 && opens <= limit; i = text.indexOf('{', i + 1)) opens += 1;
  for (let i = text.indexOf('['); i !== -1 && opens <= limit; i = text.indexOf('[', i + 1)) opens += 1;
  return opens <= limit;
}

const TOO_DEEP = 1;
const ESCAPED_KEY = 2;

/**
 * One pass over the text, no recursion: TOO_DEEP when brackets outside strings nest deeper than `limit`; else (when
 * asked for `keys`) the first forbidden key written plainly, ESCAPED_KEY when some key holds a backslash (it may
 * decode to one), or undefined. Exact for text that JSON.parse accepts (a string followed by `:` is then always a
 * key); the caller parses before it believes the keys.
 */
function scanJson(
  text: string,
  limit: number,
  keys: boolean,
): typeof TOO_DEEP | typeof ESCAPED_KEY | string | undefined {
  let depth = 0;
  let found: typeof ESCAPED_KEY | string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = closingQuote(text, i + 1);
      if (end === -1) return found; // never closed: not JSON, and nothing after it is outside a string
      if (keys && (found === undefined || found === ESCAPED_KEY)) found = keyAt(text, i + 1, end) ?? found;
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return TOO_DEEP;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return found;
}

/** The index of the quote that closes the string starting at `start` (one not escaped by an odd run of backslashes),
 *  or -1. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start);
  while (end !== -1) {
    let k = end - 1;
    while (k >= start && text.charCodeAt(k) === 0x5c) k -= 1;
    if ((end - 1 - k) % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** For the string text[start, end) (end at its closing quote): a forbidden key it spells, ESCAPED_KEY when it is a key
 *  with escapes, else undefined. */
function keyAt(text: string, start: number, end: number): typeof ESCAPED_KEY | string | undefined {
  let next = end + 1;
  while (next < text.length && isSpace(text.charCodeAt(next))) next += 1;
  if (text.charCodeAt(next) !== 0x3a) return undefined; // not followed by `:`, not a key
  for (let k = start; k < end; k += 1) if (text.charCodeAt(k) === 0x5c) return ESCAPED_KEY;
  if (end - start !== 9 && end - start !== 11) return undefined;
  const key = text.slice(start, end);
  return FORBIDDEN_KEYS.has(key) ? key : undefined;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

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
