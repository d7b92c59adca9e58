import { describe, expect, it } from 'vitest';
import { registerSecret, scrubber } from '../../bot/logger.js';
import { captureLogger } from '../helpers/app.js';
import { SLACK_LOGGED_TOKEN, SLACK_TOKEN_DEEP } from '../fixtures/fake-secrets.js';

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

  it('redacts secret-named fields at any depth, and the credentials inside any URL', async () => {
    const { log, lines } = captureLogger([]);
    log.info(
      {
        install: { team: { bot: { botToken: SLACK_TOKEN_DEEP, clientSecret: 'cs-deep-2222' } } },
        list: [{ password: 'pw-deep-3333' }],
        count: 3,
      },
      'nested',
    );
    log.error(
      {
        err: Object.assign(new Error('connect failed: mongodb://void:m0ngo-pass-4444@db:27017/void'), {
          options: { accessToken: 'at-deep-5555' },
        }),
      },
      'store',
    );
    log.warn('Redis at rediss://:r3dis-pass-6666@cache:6380 refused');
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    for (const secret of [
      SLACK_TOKEN_DEEP,
      'cs-deep-2222',
      'pw-deep-3333',
      'm0ngo-pass-4444',
      'at-deep-5555',
      'r3dis-pass-6666',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('mongodb://***@db:27017/void');
    expect(text).toContain('"count":3');
  });

  it('removes secrets registered at run time from loggers created before', async () => {
    const { log, lines } = captureLogger([]);
    const runtime = `ghs_runtime${Date.now()}token`;
    registerSecret(runtime);
    log.info(`upstream echoed ${runtime}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.join('')).not.toContain(runtime);
    expect(lines.join('')).toContain('upstream echoed [REDACTED]');
  });

  it('leaves lines without secrets unchanged', () => {
    expect(scrubber(['abcd'])('nothing here')).toBe('nothing here');
    expect(scrubber([])('abcd')).toBe('abcd');
  });
});
