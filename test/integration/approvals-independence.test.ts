// Independence beyond "requester ≠ approver", through real Void processes: a requester removed from the tenants
// file before the job starts (the job does not run), a rule tightened while a request is pending (the stricter quorum
// wins and the card says why), a break-glass acknowledged only by a compliance officer who is neither the breaker nor
// the requester, and a compensating `approval.aborted` record when a lease lapses after the audit append.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedApprovalStore } from '../../approvals/embedded.store.js';
import { approvalsModule } from '../../approvals/module.js';
import type { ApprovalRecord, Change } from '../../approvals/store.js';
import { VoidApp } from '../../bot/app.js';
import { createLogger } from '../../bot/logger.js';
import { REDIS_URL, startTestApp, testConfig, uniqueId, type TestApp } from '../helpers/app.js';
import { approvalsYaml, consoleUser, recordThreads, say, slackUser, testProcessors } from '../helpers/approvals.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A web process and a worker process sharing one approvals store, each with its own version of the tenants file. */
async function pair(
  webYaml: string,
  workerYaml: string,
  ran: string[],
  store = new EmbeddedApprovalStore(),
): Promise<{ web: VoidApp; worker: VoidApp }> {
  const common = {
    redisUrl: REDIS_URL,
    prefix: uniqueId('void-test'),
    queueName: uniqueId('q'),
    log: createLogger({ level: 'silent' }),
    jobBackoffMs: 50,
  };
  const web = await VoidApp.create(testConfig({ yaml: webYaml }), { role: 'web', ...common }, [
    approvalsModule({ store }),
    testProcessors(ran),
  ]);
  const worker = await VoidApp.create(testConfig({ yaml: workerYaml }), { role: 'worker', ...common }, [
    approvalsModule({ store }),
    testProcessors(ran),
  ]);
  stops.push(async () => {
    await web.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await web.stop(2000);
  });
  stops.push(() => worker.stop(2000));
  return { web, worker };
}

const withoutAlice = () => approvalsYaml().replace(/^ {6}- \{ id: alice,.*\n/m, '');

describe('re-checked at execution', () => {
  it(
    'a requester removed from the tenants file before the job starts: ' +
      'the approved job does not run, and the thread says why',
    async () => {
      const ran: string[] = [];
      const { web, worker } = await pair(approvalsYaml(), withoutAlice(), ran);
      recordThreads(web);
      const told = recordThreads(worker);
      await web.start();
      const id =
        (await say(web, consoleUser('alice'), 'deploy payments to production at v2.0.0')).replies[0]?.approval?.id ??
        '';
      await say(web, slackUser('U0BOB0001'), `approve ${id}`);
      expect((await say(web, slackUser('U0CAROL01'), `approve ${id}`)).replies[0]?.text).toContain('the quorum is met');
      await worker.start();
      const refused = await told.waitFor((p) => p.reply.text.startsWith('⛔ deploy did not run'));
      expect(refused.reply.text).toContain('alice, who asked for it, is no longer a member of Acme Payments');
      expect(ran).toEqual([]);
      const failed = (await worker.audit.store.range('acme', 1, 1000)).find((r) => r.action === 'job.failed');
      expect(failed).toMatchObject({ outcome: 'denied', details: { code: 'approval.requester_ineligible' } });
    },
  );
});

describe('a rule tightened while a request is pending', () => {
  it(
    'the stricter quorum wins: ' + 'the approvals the old rule needed are not enough, and the answer says why',
    async () => {
      const ran: string[] = [];
      const store = new EmbeddedApprovalStore();
      const tightened = approvalsYaml().replace(
        'quorum: 1 tech_lead and 1 devops, ttl: 1h',
        'quorum: 1 tech_lead and 1 devops and 1 compliance_officer, ttl: 1h',
      );
      const { web: before } = await pair(approvalsYaml(), approvalsYaml(), ran, store);
      const { web: after } = await pair(tightened, tightened, ran, store);
      const id =
        (await say(before, consoleUser('alice'), 'deploy payments to production')).replies[0]?.approval?.id ?? '';
      await say(after, slackUser('U0BOB0001'), `approve ${id}`);
      const second = await say(after, slackUser('U0CAROL01'), `approve ${id}`);
      expect(second.replies[0]?.text).toContain(
        `it still needs 1 more approval from compliance_officer (rule "production-deploys" now needs 1 tech_lead ` +
          `and 1 devops and 1 compliance_officer (changed since the request); the stricter requirement applies)`,
      );
      expect((await after.provided('approvals')?.get('acme', id))?.state).toBe('pending');
      expect((await say(after, slackUser('U0DAVE001'), `approve ${id}`)).replies[0]?.text).toContain(
        'the quorum is met',
      );
    },
  );
});

describe('break-glass follow-ups', () => {
  async function broken(
    yaml: string,
    requester: { text: string; who: ReturnType<typeof slackUser> | ReturnType<typeof consoleUser> },
  ): Promise<{ t: TestApp; followUp: string; id: string }> {
    const t = await startTestApp({ config: testConfig({ yaml }), modules: [approvalsModule(), testProcessors([])] });
    stops.push(() => t.stop());
    const chat = recordThreads(t.app);
    const id = (await say(t.app, requester.who, requester.text)).replies[0]?.approval?.id ?? '';
    await say(t.app, slackUser('U0ERIN001'), `breakglass ${id} payments are down`);
    const loud = await chat.waitFor((p) => p.reply.key === `breakglass:${id}`);
    return { t, id, followUp: /follow-up (fu-[0-9a-f]+)/.exec(loud.reply.text)?.[1] ?? '' };
  }

  it(
    'the admin who broke glass cannot acknowledge it, ' +
      'even as a compliance officer; another compliance officer can',
    async () => {
      const yaml = approvalsYaml().replace('roles: [admin, devops]', 'roles: [admin, devops, compliance_officer]');
      const { t, followUp } = await broken(yaml, { text: 'deploy payments to production', who: consoleUser('alice') });
      const self = await say(t.app, slackUser('U0ERIN001'), `ack ${followUp}`);
      expect(self.replies[0]?.text).toContain(
        `You cannot acknowledge follow-up ${followUp}: you broke glass on it, and a break-glass is reviewed by a ` +
          `compliance officer who is neither the breaker nor the requester. Dave Compliance must.`,
      );
      expect((await say(t.app, slackUser('U0ERIN001'), 'ack')).replies[0]?.text).toContain(followUp);
      expect((await say(t.app, slackUser('U0DAVE001'), `ack ${followUp}`)).replies[0]?.text).toContain(
        `Follow-up ${followUp} acknowledged`,
      );
      const trail = await t.app.audit.store.range('acme', 1, 1000);
      expect(trail.filter((r) => r.action === 'approval.denied').map((r) => r.details)).toContainEqual({
        approvalId: followUp,
        code: 'breakglass.not_independent',
      });
    },
  );

  it(
    'the requester cannot acknowledge it; ' + 'with no other compliance officer it stays open, and the refusal says so',
    async () => {
      const { t, followUp } = await broken(approvalsYaml(), {
        text: 'deploy payments to production',
        who: slackUser('U0DAVE001'),
      });
      const self = await say(t.app, slackUser('U0DAVE001'), `ack ${followUp}`);
      expect(self.replies[0]?.text).toContain('you requested it');
      expect(self.replies[0]?.text).toContain(
        'no other compliance officer exists in Acme Payments, so it stays open (the compliance report shows it)',
      );
      expect((await say(t.app, slackUser('U0DAVE001'), 'ack')).replies[0]?.text).toContain(followUp);
    },
  );
});

class LapsingStore extends EmbeddedApprovalStore {
  lapse = false;
  override async commit(
    tenantId: string,
    id: string,
    holder: string,
    change: Change,
  ): Promise<ApprovalRecord | undefined> {
    if (this.lapse) {
      this.lapse = false;
      return undefined; // the lease ran out between the audit append and the update: nothing changes
    }
    return super.commit(tenantId, id, holder, change);
  }
}

describe('a lease that lapses after the audit append', () => {
  it('leaves a compensating approval.aborted record after the approval.decided that never took effect', async () => {
    const store = new LapsingStore();
    const t = await startTestApp({
      config: testConfig({ yaml: approvalsYaml() }),
      modules: [approvalsModule({ store }), testProcessors([])],
    });
    stops.push(() => t.stop());
    const id = (await say(t.app, consoleUser('alice'), 'deploy payments to production')).replies[0]?.approval?.id ?? '';
    store.lapse = true;
    expect((await say(t.app, slackUser('U0BOB0001'), `approve ${id}`)).replies[0]?.text).toContain(
      'changed while you decided',
    );
    expect((await t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
    const actions = (await t.app.audit.store.range('acme', 1, 1000))
      .filter((r) => r.target === id)
      .map((r) => [r.action, r.details]);
    expect(actions.slice(-2)).toEqual([
      ['approval.decided', { approvalId: id, decision: 'approve', state: 'pending' }],
      ['approval.aborted', { approvalId: id, step: 'decide' }],
    ]);
  });
});
