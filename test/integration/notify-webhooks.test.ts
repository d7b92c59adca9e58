// Outbound webhooks through a real Void process (real Redis, BullMQ, approvals) to real HTTP receivers on loopback
// that verify every request with the `standardwebhooks` package: signed delivery, retries until the receiver
// recovers (delivered once), dead letters and `void webhooks replay`, the circuit breaker, ordered audit streaming,
// the SSRF guard (private, metadata and un-allowed loopback addresses refused) and nothing secret in a body.
// The set-up is in helpers/notify-webhooks.ts.
import { describe, expect, it } from 'vitest';
import { attemptsFor } from '../../integrations/notify/jobs.js';
import { consoleUser, say } from '../helpers/approvals.js';
import { eventually } from '../helpers/notify.js';
import { SLACK_TOKEN_NEVER_IN_WEBHOOK } from '../fixtures/fake-secrets.js';
import {
  cli,
  FAST,
  hook,
  jobFailed,
  receiver,
  start,
  system,
  trail,
  useNotifyCleanup,
} from '../helpers/notify-webhooks.js';

useNotifyCleanup();

describe('notifications: webhooks', () => {
  it('signs each event as Standard Webhooks says; the receiver verifies it with standardwebhooks', async () => {
    const r = await receiver();
    const s = await start(hook('portal', r.url, 'approval.requested'));
    const id =
      (await say(s.app, consoleUser('alice'), 'deploy payments to production at v1')).replies[0]?.approval?.id ?? '';
    const [delivery] = await r.waitForAccepted(1);
    expect(delivery?.payload).toMatchObject({
      type: 'approval.requested',
      data: {
        tenantId: 'acme',
        approvalId: id,
        rule: 'production-deploys',
        summary: 'deploy payments to production at v1',
      },
    });
    expect(delivery?.headers['webhook-id']).toMatch(/^evt_acme_\d+$/);
    expect(delivery?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(Math.abs(Number(delivery?.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    const sent = await eventually(
      () => trail(s.app),
      (t) => t.some((x) => x.action === 'notify.sent'),
    );
    expect(sent.find((x) => x.action === 'notify.sent')?.details).toMatchObject({
      channel: 'webhook',
      recipient: 'portal',
      eventType: 'approval.requested',
    });
  });

  it('a receiver failing three times then recovering gets the event exactly once, under one webhook-id', async () => {
    const r = await receiver();
    r.answer = (n) => (n <= 3 ? 503 : 200);
    const s = await start(hook('portal', r.url, 'job.failed'));
    await jobFailed(s.app);
    await r.waitForAccepted(1);
    await new Promise((res) => setTimeout(res, 400));
    expect(r.deliveries.map((d) => d.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(r.deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect((await trail(s.app)).filter((x) => x.action === 'notify.sent')).toHaveLength(1);
  });

  it(
    'a dead endpoint ends in the dead-letter list; ' + '`void webhooks list` shows it and `replay` delivers it',
    async () => {
      const r = await receiver();
      r.answer = () => 500;
      const s = await start(hook('portal', r.url, 'job.failed'));
      await jobFailed(s.app);
      const dead = await eventually(
        () => s.state.deadLetters('acme'),
        (d) => d.length === 1,
      );
      expect(dead[0]).toMatchObject({
        channel: 'webhook',
        recipient: 'portal',
        eventType: 'job.failed',
        code: 'webhook.status_500',
      });
      expect((await trail(s.app)).find((x) => x.action === 'notify.failed')?.details).toMatchObject({
        channel: 'webhook',
        recipient: 'portal',
        code: 'webhook.status_500',
      });
      const listed = await cli(s, ['list', '--tenant', 'acme']);
      expect(listed.out).toContain('dead letters: 1');
      expect(listed.out).toContain(`${dead[0]?.deliveryId}  webhook → portal  job.failed  webhook.status_500`);
      const failedAttempts = r.deliveries.length;
      r.answer = () => 200;
      const replayed = await cli(s, ['replay', '--tenant', 'acme', '--all']);
      expect(replayed).toMatchObject({ code: 0 });
      const [accepted] = await r.waitForAccepted(1);
      expect(accepted?.headers['webhook-id']).toBe(r.deliveries[0]?.headers['webhook-id']);
      expect(r.deliveries).toHaveLength(failedAttempts + 1);
      expect(await s.state.deadLetters('acme')).toEqual([]);
      expect((await cli(s, ['replay', '--tenant', 'acme', '--all'])).out).toContain('No matching dead letter');
    },
  );

  it('the circuit breaker stops calling an endpoint after repeated failures', async () => {
    const r = await receiver();
    r.answer = () => 500;
    const s = await start(hook('portal', r.url, 'job.failed'), { breaker: { threshold: 2, coolDownMs: 60_000 } });
    await jobFailed(s.app);
    const dead = await eventually(
      () => s.state.deadLetters('acme'),
      (d) => d.length === 1,
    );
    expect(r.deliveries).toHaveLength(2);
    expect(dead[0]?.code).toBe('webhook.circuit_open');
    expect((await cli(s, ['list'])).out).toMatch(/portal .* circuit open \(\d+ s\)/);
  });

  it('streams audit records to a SIEM endpoint in order, even when the receiver fails now and then', async () => {
    const r = await receiver();
    r.answer = (n) => (n % 3 === 0 ? 503 : 200);
    const s = await start(hook('siem', r.url, 'audit.appended'));
    for (let i = 0; i < 8; i++)
      await s.app.audit.append({
        tenantId: 'acme',
        action: 'command.received',
        actor: system,
        outcome: 'info',
        details: { n: i },
        correlationId: `c-${i}`,
      });
    const accepted = await r.waitForAccepted(8);
    const seqs = accepted.map((d) => Number(d.payload?.data.seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(accepted.every((d) => d.payload?.type === 'audit.appended' && typeof d.payload.data.hash === 'string')).toBe(
      true,
    );
  });

  it(
    'a streaming endpoint that gives up on one record ' + 'dead-letters it and goes on with the next, in order',
    async () => {
      const r = await receiver();
      const attempts = attemptsFor(FAST);
      r.answer = (n) => (n <= attempts ? 500 : 200);
      const s = await start(hook('siem', r.url, 'audit.appended'));
      for (let i = 0; i < 3; i++)
        await s.app.audit.append({
          tenantId: 'acme',
          action: 'command.received',
          actor: system,
          outcome: 'info',
          details: { n: i },
          correlationId: `c-${i}`,
        });
      const accepted = await r.waitForAccepted(2);
      expect(accepted.map((d) => Number(d.payload?.data.seq))).toEqual([2, 3]);
      expect(r.deliveries.slice(0, attempts).every((d) => d.payload?.data.seq === 1)).toBe(true);
      const dead = await s.state.deadLetters('acme');
      expect(dead.map((d) => [d.recipient, d.eventType, d.code])).toEqual([
        ['siem', 'audit.appended', 'webhook.status_500'],
      ]);
    },
  );

  it(
    'refuses endpoints that resolve to metadata or private addresses, ' +
      'and loopback unless allow-listed (RELIABILITY 37)',
    async () => {
      const r = await receiver();
      const resolve = async (host: string) =>
        host === 'metadata.internal'
          ? [{ address: '169.254.169.254', family: 4 }]
          : [{ address: '10.20.30.40', family: 4 }];
      const hooks =
        hook('meta', 'http://metadata.internal/latest/meta-data', 'job.failed') +
        hook('private', 'https://portal.corp.internal/hook', 'job.failed') +
        hook('loop', r.url, 'job.failed');
      const s = await start(hooks, { resolve }, {});
      await jobFailed(s.app);
      const dead = await eventually(
        () => s.state.deadLetters('acme'),
        (d) => d.length === 3,
      );
      expect(Object.fromEntries(dead.map((d) => [d.recipient, [d.code, d.attempts]]))).toEqual({
        meta: ['webhook.blocked_address', 1],
        private: ['webhook.blocked_address', 1],
        loop: ['webhook.blocked_address', 1],
      });
      expect(r.deliveries).toHaveLength(0);
      const tested = await cli(s, ['test', '--tenant', 'acme', '--endpoint', 'loop']);
      expect(tested.code).toBe(1);
      expect(tested.out).toContain(
        'resolves to 127.0.0.1, a loopback, private, link-local or metadata address; add it to VOID_OUTBOUND_ALLOW',
      );
    },
  );

  it('`void webhooks test` sends one signed test event; a redirect is reported, never followed', async () => {
    const r = await receiver();
    const s = await start(hook('portal', r.url, 'job.failed'));
    expect(await cli(s, ['test', '--tenant', 'acme', '--endpoint', 'portal'])).toMatchObject({
      code: 0,
      out: expect.stringContaining('✔ portal answered 200'),
    });
    expect(r.accepted()[0]?.payload?.type).toBe('webhook.test');
    r.answer = () => 302;
    const redirected = await cli(s, ['test', '--tenant', 'acme', '--endpoint', 'portal']);
    expect(redirected.code).toBe(1);
    expect(redirected.out).toContain('answered 302 (a redirect: not followed)');
    expect(r.deliveries).toHaveLength(2);
  });

  it('no diff, prompt or secret reaches a webhook body (RELIABILITY 39)', async () => {
    const r = await receiver();
    const s = await start(
      hook('portal', r.url, 'job.failed') + hook('siem', r.url, 'audit.appended'),
      {},
      { VOID_OUTBOUND_ALLOW: '127.0.0.1', SLACK_BOT_TOKEN: SLACK_TOKEN_NEVER_IN_WEBHOOK },
    );
    await jobFailed(s.app, {
      diff: '--- a/key.pem\n+++ b/key.pem SECRET-DIFF',
      prompt: 'SYSTEM PROMPT TEXT',
      token: SLACK_TOKEN_NEVER_IN_WEBHOOK,
      summary: 'line one\nline two',
    });
    const accepted = await r.waitForAccepted(2);
    expect(accepted.map((d) => d.payload?.type).sort()).toEqual(['audit.appended', 'job.failed']);
    for (const d of accepted) {
      for (const secret of ['SECRET-DIFF', 'key.pem', 'SYSTEM PROMPT', SLACK_TOKEN_NEVER_IN_WEBHOOK, 'line two'])
        expect(d.body).not.toContain(secret);
      expect(d.payload?.data).toMatchObject({ kind: 'review', code: 'model.unavailable' });
    }
  });
});
