import { describe, expect, it } from 'vitest';
import { scrubber } from '../../bot/logger.js';
import { captureLogger } from '../helpers/app.js';

describe('logger', () => {
  it('removes configured secret values from every log line, wherever they appear', async () => {
    const secrets = ['xoxb-1234-secret-token', 'whsec_"quoted"_value'];
    const { log, lines } = captureLogger(secrets);
    log.info({ detail: 'calling with xoxb-1234-secret-token' }, 'message mentions xoxb-1234-secret-token too');
    log.error({ err: new Error('auth failed for whsec_"quoted"_value') }, 'failure');
    log.info({ headers: { authorization: 'Bearer abc' }, body: 'user typed a password' }, 'request');
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    expect(lines.length).toBe(3);
    expect(text).not.toContain('xoxb-1234-secret-token');
    expect(text).not.toContain('quoted');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('user typed a password');
    expect(text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(5);
  });

  it('leaves lines without secrets unchanged', () => {
    expect(scrubber(['abcd'])('nothing here')).toBe('nothing here');
    expect(scrubber([])('abcd')).toBe('abcd');
  });
});
