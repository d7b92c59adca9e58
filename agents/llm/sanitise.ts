// Prompt injection defence, part three: what a model wrote is cleaned before anyone sees it. No mass mentions,
// no secrets, no links that the input did not contain.
import { redactSecrets } from '../quality/secrets.js';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>()"'`\]]+/gi;

export function linksIn(text: string): Set<string> {
  return new Set([...text.matchAll(URL_PATTERN)].map((m) => m[0].replace(/[.,;:!?]+$/, '')));
}

export function sanitiseText(text: string, allowedLinks: ReadonlySet<string>): string {
  let out = text
    .replace(/<!(channel|here|everyone)(\|[^>]*)?>/gi, '$1')
    .replace(/@(channel|here|everyone)\b/gi, '$1')
    .replace(/<!subteam\^[A-Z0-9]+(\|[^>]*)?>/gi, 'a group');
  out = redactSecrets(out);
  out = out.replace(URL_PATTERN, (match) => {
    const url = match.replace(/[.,;:!?]+$/, '');
    return allowedLinks.has(url) ? match : `[link removed]${match.slice(url.length)}`;
  });
  return out;
}

/** Cleans every string inside a model's (already schema-checked) answer. */
export function sanitiseValue<T>(value: T, allowedLinks: ReadonlySet<string>): T {
  if (typeof value === 'string') return sanitiseText(value, allowedLinks) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => sanitiseValue(v, allowedLinks)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitiseValue(v, allowedLinks)])) as T;
  }
  return value;
}
