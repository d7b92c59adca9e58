// JIRA admin webhook signatures: `X-Hub-Signature: sha256=<hex>` over the raw bytes; every malformed header is a
// refusal verdict, never an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyJiraSignature } from '../../integrations/jira/receiver.js';
import { signJira } from '../helpers/jira.js';

const SECRET = 'It5-a-s3cret';
const BODY = Buffer.from(
  '{"webhookEvent":"jira:issue_created","issue":{"key":"PAY-1","fields":{"summary":"Ünïcode + %20 🚀"}}}',
);

describe('verifyJiraSignature', () => {
  it('accepts the signature JIRA computes over the exact bytes, in either hex case', () => {
    const signature = signJira(BODY, SECRET);
    expect(verifyJiraSignature(BODY, signature, SECRET).ok).toBe(true);
    expect(
      verifyJiraSignature(
        BODY,
        signature
          .replace(/^sha256=/, 'sha256=')
          .toUpperCase()
          .replace('SHA256=', 'sha256='),
        SECRET,
      ).ok,
    ).toBe(true);
  });

  it('refuses one flipped character, a re-serialised body, another secret, a truncated or SHA-1 signature', () => {
    const signature = signJira(BODY, SECRET);
    const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    expect(verifyJiraSignature(BODY, flipped, SECRET).ok).toBe(false);
    expect(verifyJiraSignature(reserialised, signature, SECRET).ok).toBe(false);
    expect(verifyJiraSignature(BODY, signature, 'another-secret').ok).toBe(false);
    expect(verifyJiraSignature(BODY, signature.slice(0, 40), SECRET).ok).toBe(false);
    expect(verifyJiraSignature(BODY, 'sha1=0123456789abcdef0123456789abcdef01234567', SECRET).ok).toBe(false);
    expect(verifyJiraSignature(BODY, undefined, SECRET).ok).toBe(false);
    expect(verifyJiraSignature(BODY, signature, '').ok).toBe(false);
  });

  it('never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 64 }), (header, body) => {
        expect(typeof verifyJiraSignature(Buffer.from(body), header, SECRET).ok).toBe('boolean');
      }),
    );
  });
});
