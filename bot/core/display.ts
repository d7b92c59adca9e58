// How times and commits read to people, on every platform: a relative time with the absolute UTC time beside it
// ("in 59 min (4 Dec 12:22 UTC)") instead of a raw ISO timestamp, and a commit as its 7-character short SHA. Each
// adapter uses the richest form its platform allows (Slack's date token, a linked SHA in Markdown) and these plain
// forms elsewhere. Pure functions, no clock of their own: `now` is passed in.

/** An ISO 8601 UTC timestamp as Void writes them (Date#toISOString), anywhere in a text. */
export const ISO_UTC = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z\b/g;

/** A full 40-hex commit SHA standing on its own in a text (not inside a URL path or a longer hex run). */
export const FULL_SHA = /(?<![/\w])[0-9a-f]{40}(?![\w])/g;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** "4 Dec 2026 12:22 UTC"; with `now`, the year only when it is not `now`'s year ("4 Dec 12:22 UTC"). */
export function absoluteUtc(iso: string, now?: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const year = now && d.getUTCFullYear() === now.getUTCFullYear() ? '' : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year} ${hh}:${mm} UTC`;
}

/** "in 59 min", "3 h ago", "just now", "in 2 days". */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const delta = ms - now.getTime();
  const abs = Math.abs(delta);
  if (abs < 45_000) return 'just now';
  const minutes = Math.round(abs / 60_000);
  const hours = Math.round(abs / 3_600_000);
  const days = Math.round(abs / 86_400_000);
  const span = minutes < 60 ? `${minutes} min` : hours < 36 ? `${hours} h` : `${days} days`;
  return delta > 0 ? `in ${span}` : `${span} ago`;
}

/** The plain form for text-only platforms: "in 59 min (4 Dec 12:22 UTC)". */
export function humanTime(iso: string, now: Date = new Date()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${relativeTime(iso, now)} (${absoluteUtc(iso, now)})`;
}

/** The form inside a sentence ("expired at 4 Dec 10:40 UTC (1 h ago)"), where the sentence already says "at". */
export function inlineTime(iso: string, now: Date = new Date()): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${absoluteUtc(iso, now)} (${relativeTime(iso, now)})`;
}

/** Every ISO timestamp and full SHA of a text in a platform's form. */
export function humaniseText(
  text: string,
  time: (iso: string) => string = (iso) => inlineTime(iso),
  sha: (full: string) => string = shortSha,
): string {
  return text.replace(ISO_UTC, (iso) => time(iso)).replace(FULL_SHA, (full) => sha(full));
}
