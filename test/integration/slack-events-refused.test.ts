// The Slack endpoint's refusals end to end on the real HTTP server (bad or replayed signatures, stale timestamps,
// malformed and oversized bodies, unknown teams and users): a 4xx, nothing queued, the security event on the trail.
// The set-up is in helpers/slack-events.ts.
import { describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { BOT_TOKEN, SIGNING_SECRET, postSlack, signSlack, slashForm } from '../helpers/slack.js';
import { useSlackApp } from '../helpers/slack-events.js';

const s = useSlackApp();

describe('refused requests: 4xx, nothing enqueued', () => {
  async function expectRefused(response: { status: number }, status: number): Promise<void> {
    expect(response.status).toBe(status);
    expect(await s.jobCount()).toBe(0);
  }

  async function systemTrail() {
    return s.t.app.audit.store.range(SYSTEM_TENANT, 1, 100);
  }

  it('bad signature (one character flipped): 401, audited on the system trail, no body logged', async () => {
    const body = slashForm({ text: 'review acme/api#42' });
    const ts = Math.floor(Date.now() / 1000);
    const good = signSlack(body, SIGNING_SECRET, ts)['x-slack-signature'] as string;
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    await expectRefused(
      await postSlack(s.t.url, {
        body,
        unsigned: true,
        headers: { 'x-slack-signature': flipped, 'x-slack-request-timestamp': String(ts) },
      }),
      401,
    );
    const trail = await systemTrail();
    expect(trail.map((r) => [r.action, r.details?.code])).toEqual([['security.bad_signature', 'slack.bad_signature']]);
    expect(s.t.logLines.join('\n')).not.toContain('review acme');
  });

  it(
    'the exact signed request sent again (same timestamp and body): ' + '200 and ignored, one job, the replay recorded',
    async () => {
      const body = slashForm({ text: 'review acme/api#42' });
      const ts = Math.floor(Date.now() / 1000);
      expect((await postSlack(s.t.url, { body, ts })).status).toBe(200);
      await s.t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
      const again = await postSlack(s.t.url, { body, ts });
      await s.t.settled();
      expect(again).toMatchObject({ status: 200, text: '' });
      expect(await s.jobCount()).toBe(1);
      expect((await systemTrail()).map((r) => [r.action, r.details?.code])).toEqual([
        ['security.replay', 'same_signed_request'],
      ]);
    },
  );

  // The exact 300/301 s boundary is tested with an injected clock (test/unit/slack-signature.test.ts, slack-receiver);
  // over real HTTP the clock moves while the request travels, so these stay clear of the boundary.
  it.each([
    ['6 minutes in the past', -360, 'stale_timestamp'],
    ['6 minutes in the future', 360, 'stale_timestamp'],
  ])('timestamp %s: 401', async (_name, offset, reason) => {
    await expectRefused(
      await postSlack(s.t.url, {
        body: slashForm({ text: 'review acme/api#42' }),
        ts: Math.floor(Date.now() / 1000) + offset,
      }),
      401,
    );
    expect((await systemTrail())[0]?.details?.code).toBe(`slack.${reason}`);
  });

  it('non-numeric timestamp: 401', async () => {
    await expectRefused(await postSlack(s.t.url, { body: slashForm({ text: 'help' }), ts: '17e8' }), 401);
    expect((await systemTrail())[0]?.details?.code).toBe('slack.bad_timestamp');
  });

  it('missing headers: 401', async () => {
    await expectRefused(await postSlack(s.t.url, { body: slashForm({ text: 'help' }), unsigned: true }), 401);
    expect((await systemTrail())[0]?.details?.code).toBe('slack.missing_headers');
  });

  it('malformed form body (bad percent-encoding), malformed payload JSON, __proto__ keys: 400', async () => {
    await expectRefused(await postSlack(s.t.url, { body: 'command=%2Fvoid&text=%E0%A4%A&team_id=T0ACME001' }), 400);
    await expectRefused(await postSlack(s.t.url, { body: 'payload=%7Bnot-json' }), 400);
    await expectRefused(
      await postSlack(s.t.url, {
        body: '{"type":"event_callback","__proto__":{"x":1}}',
        contentType: 'application/json',
      }),
      400,
    );
    await expectRefused(
      await postSlack(s.t.url, { body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, contentType: 'application/json' }),
      400,
    );
  });

  it('unknown team: 403 with a polite refusal, audited on the system trail', async () => {
    const response = await postSlack(s.t.url, { body: slashForm({ text: 'review acme/api#42', team: 'T0NOBODY1' }) });
    await expectRefused(response, 403);
    expect(JSON.parse(response.text).message).toContain('not connected to Void');
    expect((await systemTrail()).map((r) => [r.action, r.details?.code])).toEqual([
      ['request.rejected', 'identity.unknown_workspace'],
    ]);
  });

  it(
    'unknown user: 403, the friendly refusal (naming whom to ask) ' + 'privately, audited on the tenant trail',
    async () => {
      const response = await postSlack(s.t.url, {
        body: slashForm({ text: 'review acme/api#42', user: 'U0STRANGER' }),
      });
      await expectRefused(response, 403);
      const [ephemeral] = await s.t.fake.waitFor('chat.postEphemeral');
      expect(ephemeral?.params.user).toBe('U0STRANGER');
      expect(String(ephemeral?.params.text)).toContain('ask Erin Admin');
      const trail = await s.t.app.audit.store.range('acme', 1, 100);
      expect(trail.map((r) => [r.action, r.details?.code])).toEqual([['request.rejected', 'identity.unknown_user']]);
    },
  );

  it('oversized body: 413', async () => {
    const body = slashForm({ text: `help ${'x'.repeat(1024 * 1024)}` });
    await expectRefused(await postSlack(s.t.url, { body }), 413);
  });

  it('never logs a secret', async () => {
    await postSlack(s.t.url, { body: slashForm({ text: 'review acme/api#42' }) });
    await s.t.fake.waitFor('chat.update', (c) => String(c.params.text).includes('review done'));
    const logs = s.t.logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(SIGNING_SECRET);
    expect(logs).not.toContain(BOT_TOKEN);
  });
});
