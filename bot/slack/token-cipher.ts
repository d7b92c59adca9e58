// Bot tokens at rest: AES-256-GCM with a 32-byte key from VOID_ENCRYPTION_KEY (base64 or hex), a fresh 12-byte IV
// per token, and the team id as additional authenticated data, so a ciphertext copied onto another team's record
// does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VoidError } from '../core/errors.js';

const VERSION = 'v1';

export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new VoidError(
      'slack.bad_encryption_key',
      'VOID_ENCRYPTION_KEY must be 32 bytes, written as 64 hex digits or base64 (e.g. `openssl rand -base64 32`).',
    );
  }
  return key;
}

export class TokenCipher {
  private readonly key: Buffer;

  constructor(keyText: string) {
    this.key = parseEncryptionKey(keyText);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** Throws a VoidError (without the token or key in the message) when the text was tampered with or mis-keyed. */
  decrypt(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || !body)
      throw new VoidError('slack.token_unreadable', 'A stored Slack token is not in the expected sealed format.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new VoidError(
        'slack.token_unreadable',
        'A stored Slack token could not be decrypted (wrong VOID_ENCRYPTION_KEY or tampered record).',
        { cause },
      );
    }
  }
}
