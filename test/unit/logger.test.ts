import { describe, expect, it } from 'vitest';
import { scrubber } from '../../bot/logger.js';
import { captureLogger } from '../helpers/app.js';
import { SLACK_LOGGED_TOKEN } from '../fixtures/fake-secrets.js';

describe('logger', () => {
  it('removes configured secret values from every log line, wherever they appear', async () => {
    const secrets = [SLACK_LOGGED_TOKEN, 'whsec_"quoted"_value'];
    const { log, lines } = captureLogger(secrets);
    log.info({ detail: `calling with ${SLACK_LOGGED_TOKEN}` }, `message mentions ${SLACK_LOGGED_TOKEN} too`);
    log.error({ err: new Error('auth failed for whsec_"quoted"_value') }, 'failure');
    log.info({ headers: { authorization: 'Bearer abc' }, body: 'user typed a password' }, 'request');
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    expect(lines.length).toBe(3);
    expect(text).not.toContain(SLACK_LOGGED_TOKEN);
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
