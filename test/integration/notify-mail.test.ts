// Mail notifications through a real Void process (real Redis, real BullMQ, the real approvals module) into a real
// SMTP server on loopback: approval mail to each eligible approver by their preference, quiet hours, the daily
// digest, the `notify` command, a failing SMTP server retried then reported, and nothing secret in any mail.
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import type { AuditRecord } from '../../audit/types.js';
import type { VoidApp } from '../../bot/app.js';
import type { NotifyEngine } from '../../integrations/notify/engine.js';
import { attemptsFor, backoffDelay, DEFAULT_RETRY } from '../../integrations/notify/jobs.js';
import { notifyModule, type NotifyModuleOptions } from '../../integrations/notify/module.js';
import type { NotifyState } from '../../integrations/notify/state.js';
import { notificationChecks } from '../../integrations/notify/doctor.js';
import { startTestApp, testConfig, REDIS_URL } from '../helpers/app.js';
import { consoleUser, say, testProcessors } from '../helpers/approvals.js';
import { eventually, startSmtp, type LoopbackSmtp } from '../helpers/notify.js';
import { SLACK_TOKEN_NEVER_IN_MAIL } from '../fixtures/fake-secrets.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const FAST = { baseMs: 20, capMs: 40, windowMs: 200 };
/** 23:30 UTC: inside quinn's quiet hours (22:00-07:00 UTC). */
const QUIET = new Date('2026-12-04T23:30:00Z');

function mailYaml(extraPrefs = ''): string {
  return `version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
    members:
      - { id: alice, name: Alice Developer, roles: [developer], identities: { email: alice@acme.test } }
      - { id: bob, name: Bob Lead, roles: [tech_lead], identities: { email: bob@acme.test } }
      - { id: carol, name: Carol Ops, roles: [devops], identities: { email: carol@acme.test } }
      - { id: dan, name: Dan Ops, roles: [devops], identities: { email: dan@acme.test } }
      - { id: quinn, name: Quinn Night, roles: [devops], identities: { email: quinn@acme.test } }
      - { id: frank, name: Frank Digest, roles: [devops], identities: { email: frank@acme.test } }
      - { id: dave, name: Dave Compliance, roles: [compliance_officer], identities: { email: dave@acme.test } }
      - { id: erin, name: Erin Admin, roles: [admin], identities: { email: erin@acme.test } }
    policies:
      default: deny
      rules:
        - { name: production-deploys, action: deploy, environment: production,
            quorum: 1 tech_lead and 1 devops, ttl: 1h }
    notifications:
      digestHour: 8
      members:
        bob: { channel: email }
        carol: { channel: both }
        dan: { channel: chat }
        quinn: { channel: email, quietHours: "22:00-07:00" }
        frank: { channel: digest }
        dave: { channel: email }
${extraPrefs}`;
}

interface Started {
  app: VoidApp;
  engine: NotifyEngine;
  state: NotifyState;
}

async function start(
  smtpUrl: string,
  options: NotifyModuleOptions = {},
  env: Record<string, string> = {},
): Promise<Started> {
  let engine: NotifyEngine | undefined;
  let state: NotifyState | undefined;
  const ran: string[] = [];
  const t = await startTestApp({
    config: testConfig({
      yaml: mailYaml(),
      env: { VOID_SMTP_URL: smtpUrl, VOID_PUBLIC_URL: 'https://void.acme.test', ...env },
    }),
    modules: [
      approvalsModule(),
      testProcessors(ran),
      notifyModule({ retry: FAST, ...options, onReady: (e, s) => ((engine = e), (state = s)) }),
    ],
  });
  stops.push(async () => {
    await engine?.queue.obliterate({ force: true }).catch(() => undefined);
    await t.stop();
  });
  return { app: t.app, engine: engine as unknown as NotifyEngine, state: state as unknown as NotifyState };
}

async function smtp(options: { failFirst?: number } = {}): Promise<LoopbackSmtp> {
  const s = await startSmtp(options);
  stops.push(() => s.stop());
  return s;
}

const trail = (app: VoidApp): Promise<AuditRecord[]> => app.audit.store.range('acme', 1, 10_000);
const recipients = (s: LoopbackSmtp) => s.mails.flatMap((m) => m.to).sort();

describe('notifications: mail', () => {
  it(
    'mails an approval request to each eligible approver who chose email or both; ' + 'chat-only and quiet hours wait',
    async () => {
      const server = await smtp();
      // 23:30 UTC: inside quinn's quiet hours (22:00-07:00 UTC), which end 7.5 hours later.
      const now = new Date('2026-12-04T23:30:00Z');
      const { app, engine } = await start(server.url, { now: () => now });
      const id =
        (await say(app, consoleUser('alice'), 'deploy payments to production at v1.2.3')).replies[0]?.approval?.id ??
        '';
      expect(id).not.toBe('');
      await server.waitFor(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(recipients(server)).toEqual(['bob@acme.test', 'carol@acme.test']);
      const mail = server.mails[0]?.raw ?? '';
      expect(mail).toContain(`Subject: [Void] Approval requested: deploy payments to production at v1.2.3`);
      expect(mail).toContain('text/plain');
      expect(mail).toContain('text/html');
      expect(mail).toContain(`https://void.acme.test/dashboard/t/acme/approvals/${id}`);
      expect(mail).toContain(`approve ${id}`);
      expect(mail).toContain('no link in it approves or rejects anything');
      // quinn's mail is held until the quiet hours end, as a delayed job.
      const delayed = await engine.queue.getJobs(['delayed']);
      const quinn = delayed.find((j) => j.data.kind === 'mail' && j.data.memberId === 'quinn');
      expect(quinn?.opts.delay).toBe(7.5 * 3_600_000);
      const sent = (
        await eventually(
          () => trail(app),
          (r) => r.filter((x) => x.action === 'notify.sent').length >= 2,
        )
      ).filter((r) => r.action === 'notify.sent');
      expect(sent.map((r) => r.details?.recipient).sort()).toEqual(['bob', 'carol']);
      expect(sent[0]?.details).toMatchObject({ channel: 'email', eventType: 'approval.requested' });
      expect(JSON.stringify(sent)).not.toContain('@acme.test');
    },
  );

  it('batches pending requests into one daily digest for those who chose digest', async () => {
    const server = await smtp();
    const { app, engine } = await start(server.url);
    const a =
      (await say(app, consoleUser('alice'), 'deploy payments to production at v1')).replies[0]?.approval?.id ?? '';
    const b =
      (await say(app, consoleUser('alice'), 'deploy ledger to production at v2')).replies[0]?.approval?.id ?? '';
    await server.waitFor(4);
    expect(recipients(server)).not.toContain('frank@acme.test');
    expect(await engine.digest('acme')).toBe(1);
    await eventually(
      async () => server.mails.filter((m) => m.to.includes('frank@acme.test')).length,
      (n) => n >= 1,
    );
    const digests = server.mails.filter((m) => m.to.includes('frank@acme.test'));
    expect(digests).toHaveLength(1);
    expect(digests[0]?.raw).toContain('Subject: [Void] 2 approval request(s) waiting');
    expect(digests[0]?.raw).toContain(a);
    expect(digests[0]?.raw).toContain(b);
    // The same day's digest is not sent twice.
    expect(await engine.digest('acme')).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.mails.filter((m) => m.to.includes('frank@acme.test'))).toHaveLength(1);
  });

  it(
    '`notify` changes a preference: ' + 'dan asks for email and gets the next request; the change is on the trail',
    async () => {
      const server = await smtp();
      const { app } = await start(server.url);
      const show = await say(app, consoleUser('dan'), 'notify');
      expect(show.replies[0]?.text).toContain('Your notifications in Acme Payments: chat, chat only: no mail');
      const bad = await say(app, consoleUser('dan'), 'notify quiet 25:00-07:00');
      expect(bad.replies[0]?.text).toMatch(/quiet hours look like 22:00-07:00/i);
      const set = await say(app, consoleUser('dan'), 'notify email');
      expect(set.replies[0]?.text).toContain('Saved. Your notifications in Acme Payments: email');
      await say(app, consoleUser('alice'), 'deploy payments to production at v3');
      await server.waitFor(3);
      expect(recipients(server)).toContain('dan@acme.test');
      const changed = (await trail(app)).find((r) => r.action === 'notify.preferences_changed');
      expect(changed).toMatchObject({ actor: { memberId: 'dan' }, details: { channel: 'email' } });
    },
  );

  it('a failing SMTP server is retried and the mail delivered once; SMTP errors are counted for doctor', async () => {
    const server = await smtp({ failFirst: 3 });
    // Inside quinn's quiet hours, so only bob and carol are mailed now, whatever the wall clock says.
    const { app, state } = await start(server.url, { now: () => QUIET });
    await say(app, consoleUser('erin'), 'deploy payments to production at v4');
    await server.waitFor(2, 8000);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.refused()).toBe(3);
    // bob and carol are the eligible approvers who chose mail: each got exactly one, despite the retries.
    expect(recipients(server)).toEqual(['bob@acme.test', 'carol@acme.test']);
    expect(Number((await state.smtpStats()).errors)).toBe(3);
  });

  it('an SMTP server that never answers: retried, then a dead letter, the trail and doctor say so', async () => {
    const gone = await startSmtp();
    await gone.stop();
    const { app, state } = await start(gone.url, { now: () => QUIET });
    await say(app, consoleUser('alice'), 'deploy payments to production at v5');
    const dead = await eventually(
      () => state.deadLetters('acme'),
      (d) => d.length >= 2,
    );
    expect(dead.map((d) => d.recipient).sort()).toEqual(['bob', 'carol']);
    expect(dead[0]).toMatchObject({ channel: 'email', eventType: 'approval.requested', attempts: attemptsFor(FAST) });
    expect(dead[0]?.code).toMatch(/^smtp\./);
    // The dead letter and its record are written one after the other: under load the second record can trail the list.
    const failed = await eventually(
      async () => (await trail(app)).filter((r) => r.action === 'notify.failed'),
      (f) => f.length >= 2,
    );
    expect(failed.map((r) => r.details?.recipient).sort()).toEqual(['bob', 'carol']);
    const checks = await notificationChecks(
      testConfig({ yaml: mailYaml(), env: { VOID_SMTP_URL: gone.url } }),
      REDIS_URL,
    );
    expect(checks.find((c) => c.name.startsWith('smtp deployment'))).toMatchObject({ status: 'fail' });
  });

  it('break-glass is mailed to compliance officers; no diff, prompt or secret reaches a mail', async () => {
    const server = await smtp();
    const { app } = await start(server.url, {}, { SLACK_BOT_TOKEN: SLACK_TOKEN_NEVER_IN_MAIL });
    await app.audit.append({
      tenantId: 'acme',
      action: 'breakglass.used',
      actor: { memberId: 'erin', platform: 'console', platformUserId: 'erin' },
      target: 'apr-x1',
      outcome: 'success',
      details: {
        approvalId: 'apr-x1',
        diff: '--- a/key.pem\n+++ b/key.pem SECRET-DIFF',
        prompt: 'SYSTEM PROMPT TEXT',
        token: SLACK_TOKEN_NEVER_IN_MAIL,
      },
      correlationId: 'c-1',
    });
    await server.waitFor(1);
    expect(recipients(server)).toEqual(['dave@acme.test']);
    const raw = server.mails[0]?.raw ?? '';
    expect(raw).toContain('Break-glass used on apr-x1');
    for (const secret of ['SECRET-DIFF', 'key.pem', 'SYSTEM PROMPT', SLACK_TOKEN_NEVER_IN_MAIL])
      expect(raw).not.toContain(secret);
  });

  it('the default retry policy keeps trying for at least a day (RELIABILITY 38)', () => {
    const n = attemptsFor(DEFAULT_RETRY);
    let total = 0;
    for (let i = 1; i < n; i++) total += backoffDelay(DEFAULT_RETRY, i);
    expect(total).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(backoffDelay(DEFAULT_RETRY, 2)).toBe(2 * backoffDelay(DEFAULT_RETRY, 1));
  });
});
