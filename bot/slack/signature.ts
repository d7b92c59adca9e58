// Slack request authentication as a pure function: v0 HMAC-SHA256 over `v0:{timestamp}:{raw body}`, with the
// timestamp checked in BOTH directions (Bolt's verify-request.ts only rejects the past) and an injectable clock.
// Nothing may parse the body before this has said yes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { unverified, type Verdict } from '../core/inbound.js';
import { refuse } from '../core/outcome.js';

/** Slack's replay window: requests more than five minutes off the clock, either way, are refused. */
export const SLACK_MAX_SKEW_SECONDS = 300;

export type SignatureVerdict = Verdict<{ timestamp: number }>;

/** One answer whatever failed (nothing to learn from it); the security record counts the reason. */
const refused = (reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature'): SignatureVerdict =>
  unverified(refuse('slack.bad_signature'), `slack.${reason}`);

export function slackSignature(secret: string, timestamp: string | number, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

/** Constant-time comparison that answers false (never throws) on a length mismatch. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

export function verifySlackSignature(input: {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly signingSecret: string;
  /** Seconds since the epoch; injectable for tests. */
  readonly nowSeconds: number;
}): SignatureVerdict {
  const signature = header(input.headers, 'x-slack-signature');
  const stamp = header(input.headers, 'x-slack-request-timestamp');
  if (!signature || !stamp) return refused('missing_headers');
  if (!/^\d{1,12}$/.test(stamp)) return refused('bad_timestamp');
  const timestamp = Number.parseInt(stamp, 10);
  if (Math.abs(input.nowSeconds - timestamp) > SLACK_MAX_SKEW_SECONDS) return refused('stale_timestamp');
  const expected = slackSignature(input.signingSecret, stamp, input.rawBody);
  return safeEqual(expected, signature) ? { ok: true, value: { timestamp } } : refused('bad_signature');
}
