// The receiver's order of checks, with an injected clock and no network: signature first, then the body, then the
// queue, then identity.
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../audit/trail.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import type { HttpRequest } from '../../bot/http/server.js';
import { createLogger } from '../../bot/logger.js';
import { loadEnv } from '../../bot/config/load.js';
import { slackMode } from '../../bot/slack/module.js';
import { SlackReceiver } from '../../bot/slack/receiver.js';
import { SIGNING_SECRET, signSlack, slashForm } from '../helpers/slack.js';
import { SLACK_BOT_TOKEN as SLACK_BOT_TOKEN_VALUE } from '../fixtures/fake-secrets.js';

const NOW_MS = 1_800_000_000_000;
const log = createLogger({ level: 'silent' });

function request(body: string, ts: number, extra: Record<string, string> = {}): HttpRequest {
  return {
    method: 'POST',
    path: '/slack/events',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(body, SIGNING_SECRET, ts), ...extra },
    body: Buffer.from(body),
    params: {},
    log,
  };
}

function receiver(options: { queueReady?: boolean; audit?: AuditTrail } = {}) {
  const calls: string[] = [];
  const r = new SlackReceiver({
    signingSecret: SIGNING_SECRET,
    audit: options.audit ?? new AuditTrail(new EmbeddedAuditStore()),
    log,
    now: () => NOW_MS,
    queueReady: () => options.queueReady ?? true,
    precheck: async () => {
      calls.push('precheck');
      return { status: 403, body: { error: 'identity.unknown_user', message: 'no' } };
    },
  });
  return { r, calls };
}

describe('SlackReceiver', () => {
  it('uses the injected clock: a request signed at the receiver\'s "now" passes, one 301 s off does not', async () => {
    const now = NOW_MS / 1000;
    const { r, calls } = receiver();
    expect((await r.handle(request(slashForm({ text: 'help' }), now))).status).toBe(403);
    expect(calls).toEqual(['precheck']);
    const audit = new AuditTrail(new EmbeddedAuditStore());
    const late = receiver({ audit });
    expect((await late.r.handle(request(slashForm({ text: 'help' }), now - 301))).status).toBe(401);
    expect((await late.r.handle(request(slashForm({ text: 'help' }), now + 301))).status).toBe(401);
    expect((await late.r.handle(request(slashForm({ text: 'help' }), now + 300))).status).toBe(403);
    expect(late.calls).toEqual(['precheck']);
    await audit.security.flush(); // security events are aggregated per source and minute (audit/security.ts)
    expect(
      (await audit.store.range(SYSTEM_TENANT, 1, 10)).map((rec) => [
        rec.action,
        rec.details?.code ?? rec.details?.codes,
        rec.details?.count,
      ]),
    ).toEqual([
      ['security.bad_signature', 'slack.stale_timestamp', 1],
      ['security.bad_signature', { 'slack.stale_timestamp': 1 }, 1],
    ]);
  });

  it('answers 503 (so Slack retries) when the queue is down, before anything is looked up', async () => {
    const { r, calls } = receiver({ queueReady: false });
    const response = await r.handle(request(slashForm({ text: 'review acme/api#1' }), NOW_MS / 1000));
    expect(response.status).toBe(503);
    expect(response.headers?.['retry-after']).toBe('5');
    expect(calls).toEqual([]);
  });

  it('answers ssl_check and url_verification without Bolt', async () => {
    const { r } = receiver();
    expect((await r.handle(request('ssl_check=1&token=x', NOW_MS / 1000))).status).toBe(200);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc' });
    const response = await r.handle({
      ...request(challenge, NOW_MS / 1000),
      headers: { 'content-type': 'application/json', ...signSlack(challenge, SIGNING_SECRET, NOW_MS / 1000) },
    });
    expect(response.body).toEqual({ challenge: 'abc' });
  });
});

describe('slackMode: fail at start on an incomplete configuration', () => {
  const env = (vars: Record<string, string>) => loadEnv({ SLACK_SIGNING_SECRET: 's', ...vars });
  it('picks single-workspace with a bot token, OAuth with client credentials', () => {
    expect(slackMode(env({ SLACK_BOT_TOKEN: SLACK_BOT_TOKEN_VALUE })).kind).toBe('single');
    expect(
      slackMode(
        env({ SLACK_CLIENT_ID: '1', SLACK_CLIENT_SECRET: 'c', SLACK_STATE_SECRET: 's', VOID_ENCRYPTION_KEY: 'k' }),
      ).kind,
    ).toBe('oauth');
  });
  it('names what is missing', () => {
    expect(() => slackMode(env({}))).toThrow(/SLACK_BOT_TOKEN/);
    expect(() => slackMode(env({ SLACK_CLIENT_ID: '1', SLACK_CLIENT_SECRET: 'c' }))).toThrow(
      /SLACK_STATE_SECRET, VOID_ENCRYPTION_KEY/,
    );
  });
});
