// The pure v0 verifier: raw bytes, a 5-minute window in both directions, an injectable clock, never a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../bot/slack/signature.js';

const SECRET = 'unit-signing-secret';
const NOW = 1_700_000_000;

function verify(body: string, ts: string | number, signature: string | undefined, now = NOW) {
  const headers: Record<string, string> = { 'x-slack-request-timestamp': String(ts) };
  if (signature !== undefined) headers['x-slack-signature'] = signature;
  return verifySlackSignature({ headers, rawBody: Buffer.from(body, 'utf8'), signingSecret: SECRET, nowSeconds: now });
}

describe('verifySlackSignature', () => {
  it('accepts a body with "+", "%20" and emoji, verified over the raw bytes', () => {
    const body = 'text=review+acme%2Fapi%2342%20%F0%9F%9A%80&emoji=🚀';
    expect(verify(body, NOW, slackSignature(SECRET, NOW, body))).toEqual({ ok: true, value: { timestamp: NOW } });
  });

  it('accepts exactly 300 s of skew either way and refuses 301 s either way', () => {
    for (const skew of [-300, 300])
      expect(verify('a=1', NOW + skew, slackSignature(SECRET, NOW + skew, 'a=1')).ok).toBe(true);
    for (const skew of [-301, 301])
      expect(verify('a=1', NOW + skew, slackSignature(SECRET, NOW + skew, 'a=1'))).toMatchObject({
        ok: false,
        refusal: { code: 'slack.bad_signature', details: { reason: 'slack.stale_timestamp' } },
      });
  });

  it('refuses non-numeric timestamps and missing headers', () => {
    for (const ts of ['abc', '1.5e9', '-1700000000', ' 1700000000', '']) {
      const verdict = verify('a=1', ts, slackSignature(SECRET, ts, 'a=1'));
      expect(verdict.ok).toBe(false);
    }
    expect(verify('a=1', NOW, undefined)).toMatchObject({
      ok: false,
      refusal: { code: 'slack.bad_signature', details: { reason: 'slack.missing_headers' } },
    });
  });

  it('refuses a truncated or over-long signature without throwing', () => {
    const good = slackSignature(SECRET, NOW, 'a=1');
    expect(verify('a=1', NOW, good.slice(0, 10))).toMatchObject({
      ok: false,
      refusal: { code: 'slack.bad_signature', details: { reason: 'slack.bad_signature' } },
    });
    expect(verify('a=1', NOW, `${good}00`)).toMatchObject({
      ok: false,
      refusal: { code: 'slack.bad_signature', details: { reason: 'slack.bad_signature' } },
    });
    expect(verify('a=1', NOW, 'v0=🚀')).toMatchObject({
      ok: false,
      refusal: { code: 'slack.bad_signature', details: { reason: 'slack.bad_signature' } },
    });
  });

  it('property: any body verifies when signed, and fails when any one character of the signature changes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat({ max: 66 }), (body, index) => {
        const signature = slackSignature(SECRET, NOW, Buffer.from(body, 'utf8'));
        expect(verify(body, NOW, signature).ok).toBe(true);
        const i = index % signature.length;
        const flipped = signature.slice(0, i) + (signature[i] === 'a' ? 'b' : 'a') + signature.slice(i + 1);
        expect(verify(body, NOW, flipped).ok).toBe(false);
      }),
    );
  });

  it('property: a body that differs from the signed one fails', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(verify(b, NOW, slackSignature(SECRET, NOW, a)).ok).toBe(false);
      }),
    );
  });
});
