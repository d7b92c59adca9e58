// Bot tokens at rest: AES-256-GCM, bound to the team id, tamper-evident, key as hex or base64.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenCipher } from '../../bot/slack/token-cipher.js';
import { SLACK_CIPHER_TOKEN } from '../fixtures/fake-secrets.js';

const KEY = randomBytes(32).toString('base64');
const TOKEN = SLACK_CIPHER_TOKEN;

describe('TokenCipher', () => {
  it('round-trips a token; the sealed text contains no part of it and differs every time', () => {
    const cipher = new TokenCipher(KEY);
    const a = cipher.encrypt(TOKEN, 'T1');
    const b = cipher.encrypt(TOKEN, 'T1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('verysecret');
    expect(cipher.decrypt(a, 'T1')).toBe(TOKEN);
  });

  it(
    'refuses a sealed token moved to another team, tampered with, ' + 'or opened with another key, without leaking it',
    () => {
      const cipher = new TokenCipher(KEY);
      const sealed = cipher.encrypt(TOKEN, 'T1');
      const parts = sealed.split(':');
      const body = Buffer.from(parts[3] ?? '', 'base64');
      body[0] = (body[0] ?? 0) ^ 1;
      const tampered = [parts[0], parts[1], parts[2], body.toString('base64')].join(':');
      for (const attempt of [
        () => cipher.decrypt(sealed, 'T2'),
        () => cipher.decrypt(tampered, 'T1'),
        () => new TokenCipher(randomBytes(32).toString('hex')).decrypt(sealed, 'T1'),
        () => cipher.decrypt('garbage', 'T1'),
      ]) {
        expect(attempt).toThrowError(expect.objectContaining({ code: 'slack.token_unreadable' }));
        try {
          attempt();
        } catch (error) {
          expect(String((error as Error).message)).not.toContain(TOKEN);
        }
      }
    },
  );

  it('accepts a 32-byte key as 64 hex digits or base64, and refuses other lengths', () => {
    expect(() => new TokenCipher(randomBytes(32).toString('hex'))).not.toThrow();
    expect(() => new TokenCipher(randomBytes(16).toString('base64'))).toThrowError(
      expect.objectContaining({ code: 'slack.bad_encryption_key' }),
    );
  });
});
