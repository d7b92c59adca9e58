// The rest of a request's life through real Void processes: roles re-checked right before the job runs (a web
// process and a worker process with a later tenants file, one shared approvals store), break-glass with its
// compliance follow-up, cancellation, default deny and the policy dry run.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedApprovalStore } from '../../approvals/embedded.store.js';
import { approvalsModule } from '../../approvals/module.js';
import { VoidApp } from '../../bot/app.js';
import { createLogger } from '../../bot/logger.js';
import type { AuditRecord } from '../../audit/types.js';
import { REDIS_URL, startTestApp, testConfig, uniqueId, type TestApp } from '../helpers/app.js';
import { approvalsYaml, consoleUser, recordThreads, say, slackUser, testProcessors } from '../helpers/approvals.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function single(): Promise<{ t: TestApp; ran: string[] }> {
  const ran: string[] = [];
  const t = await startTestApp({
    config: testConfig({ yaml: approvalsYaml() }),
    modules: [approvalsModule(), testProcessors(ran)],
  });
  stops.push(() => t.stop());
  return { t, ran };
}

const trail = (app: VoidApp, tenant = 'acme'): Promise<AuditRecord[]> => app.audit.store.range(tenant, 1, 100_000);

describe('approvals: lifecycle', () => {
  it('a member demoted between approval and execution: the job does not run and the thread says why', async () => {
    const store = new EmbeddedApprovalStore();
    const prefix = uniqueId('void-test');
    const queueName = uniqueId('q');
    const ran: string[] = [];
    const log = createLogger({ level: 'silent' });
    const common = { redisUrl: REDIS_URL, prefix, queueName, log, jobBackoffMs: 50 };
    const web = await VoidApp.create(testConfig({ yaml: approvalsYaml() }), { role: 'web', ...common }, [
      approvalsModule({ store }),
      testProcessors(ran),
    ]);
    const worker = await VoidApp.create(
      testConfig({ yaml: approvalsYaml({ demoteBob: true }) }),
      { role: 'worker', ...common },
      [approvalsModule({ store }), testProcessors(ran)],
    );
    stops.push(async () => {
      await web.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await web.stop(2000);
    });
    stops.push(() => worker.stop(2000));
    recordThreads(web);
    const workerChat = recordThreads(worker);
    await web.start();
    const id =
      (await say(web, consoleUser('alice'), 'deploy payments to production at v2.0.0')).replies[0]?.approval?.id ?? '';
    expect((await say(web, slackUser('U0BOB0001'), `approve ${id}`)).replies[0]?.text).toContain(
      'still needs 1 more approval from devops',
    );
    expect((await say(web, slackUser('U0CAROL01'), `approve ${id}`)).replies[0]?.text).toContain('the quorum is met');
    await worker.start();
    const told = await workerChat.waitFor((p) => p.reply.text.startsWith('⛔ deploy did not run'));
    expect(told.reply.text).toContain('Bob Lead no longer holds tech_lead');
    expect(told.thread).toMatchObject({ platform: 'console' });
    expect(ran).toEqual([]);
    const failed = (await trail(worker)).find((r) => r.action === 'job.failed');
    expect(failed).toMatchObject({ outcome: 'denied', details: { code: 'approval.approver_ineligible' } });
  });

  it(
    'break-glass: admins only, with a reason; loud in the thread; ' + 'follow-up open until a compliance officer acks',
    async () => {
      const { t, ran } = await single();
      const chat = recordThreads(t.app);
      const id =
        (await say(t.app, consoleUser('alice'), 'deploy payments to production at v9.9.9')).replies[0]?.approval?.id ??
        '';
      const notAdmin = await say(t.app, slackUser('U0BOB0001'), `breakglass ${id} prod is down`);
      expect(notAdmin.replies[0]?.text).toContain('Only an admin may break glass');
      const noReason = await say(t.app, slackUser('U0ERIN001'), `breakglass ${id}`);
      expect(noReason.replies[0]).toMatchObject({ kind: 'usage' });
      const forced = await say(t.app, slackUser('U0ERIN001'), `breakglass ${id} payments outage INC-4711`);
      expect(forced.replies[0]?.text).toMatch(/^Break-glass recorded/);
      const loud = await chat.waitFor((p) => p.reply.text.startsWith('🚨 BREAK-GLASS'));
      expect(loud.reply.text).toContain('@Dave Compliance');
      expect(loud.reply.text).toContain('payments outage INC-4711');
      const followUp = /follow-up (fu-[0-9a-f]+)/.exec(loud.reply.text)?.[1] ?? '';
      await chat.waitFor((p) => p.reply.text.startsWith('✅ deploy done'));
      expect(ran).toEqual([`deploy-appr-acme-${id}`]);
      const card = await t.app.provided('approvals')?.get('acme', id);
      expect(card).toMatchObject({ state: 'approved', breakGlass: true });
      const used = (await trail(t.app)).find((r) => r.action === 'breakglass.used');
      expect(used?.details).toEqual({ approvalId: id });
      expect(JSON.stringify(await trail(t.app))).not.toContain('INC-4711');
      expect((await say(t.app, slackUser('U0DAVE001'), 'ack')).replies[0]?.text).toContain(
        `• ${followUp}: deploy payments to production at v9.9.9 (request ${id}), forced by Erin Admin`,
      );
      expect((await say(t.app, slackUser('U0BOB0001'), `ack ${followUp}`)).replies[0]?.text).toContain(
        'Only a compliance officer',
      );
      expect((await say(t.app, slackUser('U0DAVE001'), `ack ${followUp}`)).replies[0]?.text).toContain(
        `Follow-up ${followUp} acknowledged`,
      );
      expect((await say(t.app, slackUser('U0DAVE001'), `ack ${followUp}`)).replies[0]?.text).toContain(
        'already acknowledged by dave',
      );
      expect((await say(t.app, slackUser('U0DAVE001'), 'ack')).replies[0]?.text).toBe(
        'No break-glass follow-up is open in Acme Payments.',
      );
      const acks = (await trail(t.app)).filter((r) => r.action === 'breakglass.acknowledged');
      expect(acks.map((r) => r.details)).toEqual([{ approvalId: id, followUpId: followUp }]);
    },
  );

  it('the requester cannot break glass on their own request, and no one can break glass on a decided one', async () => {
    const { t } = await single();
    const id = (await say(t.app, slackUser('U0ERIN001'), 'deploy payments to critical')).replies[0]?.approval?.id ?? '';
    expect((await say(t.app, slackUser('U0ERIN001'), `breakglass ${id} I am sure`)).replies[0]?.text).toContain(
      `You requested ${id}`,
    );
    await say(t.app, slackUser('U0BOB0001'), `reject ${id} not during the freeze`);
    const card = await t.app.provided('approvals')?.get('acme', id);
    expect(card?.state).toBe('rejected');
    expect(card?.decisions[0]).toMatchObject({ memberId: 'bob', decision: 'reject', reason: 'not during the freeze' });
    expect((await say(t.app, slackUser('U0GINA001', 'T0GLOBEX1'), `breakglass ${id} x`)).replies[0]?.text).toContain(
      'There is no request',
    );
  });

  it('cancel follows the rule: the requester or an admin; others are refused', async () => {
    const { t } = await single();
    const id = (await say(t.app, consoleUser('alice'), 'deploy payments to production')).replies[0]?.approval?.id ?? '';
    expect((await say(t.app, slackUser('U0BOB0001'), `cancel ${id}`)).replies[0]?.text).toContain(
      'lets requester or admin cancel',
    );
    expect((await say(t.app, slackUser('U0ALICE01'), `cancel ${id}`)).replies[0]?.text).toContain(
      `Cancelled request ${id}`,
    );
    expect((await say(t.app, slackUser('U0FRANK01'), `status ${id}`)).replies[0]?.text).toContain(
      '✖️ cancelled by alice',
    );
    expect((await say(t.app, slackUser('U0CAROL01'), `approve ${id}`)).replies[0]?.text).toContain('was cancelled');
    const actions = (await trail(t.app)).map((r) => r.action);
    expect(actions.filter((a) => a === 'approval.cancelled')).toHaveLength(1);
  });

  it('default deny names the missing rule; "none" runs at once; policy explain is a private dry run', async () => {
    const { t } = await single();
    const denied = await say(t.app, consoleUser('alice'), 'deploy payments to staging');
    expect(denied.replies[0]?.text).toContain(
      'No approval rule in Acme Payments covers "deploy payments to staging" (action deploy, service payments, ' +
        'environment staging)',
    );
    const status = await say(t.app, consoleUser('alice'), 'status');
    expect(status.replies[0]?.text).toMatch(/queued as job status-/);
    const explain = await say(t.app, consoleUser('alice'), 'policy explain deploy payments to critical --as appr01');
    expect(explain.replies[0]).toMatchObject({ private: true });
    expect(explain.replies[0]?.text).toContain('Rule "critical-deploys" (policies.rules[1]) applies');
    expect(explain.replies[0]?.text).toContain(
      'rule "production-deploys" does not apply: environment "critical" does not match "production"',
    );
    expect(await t.app.provided('approvals')?.pendingFor('acme', 'appr01')).toEqual([]);
    expect((await trail(t.app)).filter((r) => r.action.startsWith('approval.'))).toEqual([]);
  });
});
