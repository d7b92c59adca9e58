// Guards around the happy path: no decision without its audit record (the person is told, nothing changes), and
// no job that needs an approval runs without an approved request, however it got into the queue.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedApprovalStore } from '../../approvals/embedded.store.js';
import { approvalsModule } from '../../approvals/module.js';
import type { ApprovalRecord } from '../../approvals/store.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';
import type { JobData } from '../../agents/queues.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { approvalsYaml, consoleUser, recordThreads, say, testProcessors } from '../helpers/approvals.js';

class FailingAuditStore extends EmbeddedAuditStore {
  failing = false;
  override async insert(record: AuditRecord): Promise<boolean> {
    if (this.failing) throw new Error('disk full');
    return super.insert(record);
  }
}

class FailingApprovalStore extends EmbeddedApprovalStore {
  failing = false;
  override async get(tenantId: string, id: string) {
    if (this.failing) throw new Error('connection refused');
    return super.get(tenantId, id);
  }
  override async create(record: ApprovalRecord) {
    if (this.failing) throw new Error('connection refused');
    return super.create(record);
  }
}

let t: TestApp;
afterEach(async () => t.stop());

describe('approvals: guards', () => {
  it('an approval whose audit record cannot be written changes nothing, and the person is told', async () => {
    const store = new FailingAuditStore();
    t = await startTestApp({
      config: testConfig({ yaml: approvalsYaml() }),
      modules: [approvalsModule(), testProcessors([])],
      app: { auditStore: store },
    });
    const id = (await say(t.app, consoleUser('alice'), 'deploy payments to critical')).replies[0]?.approval?.id ?? '';
    const bob = t.app.registry.resolve('slack', 'T0ACME001', 'U0BOB0001');
    if (!bob.ok) throw new Error('bob should resolve');
    store.failing = true;
    const outcome = await t.app.provided('approvals')?.decide({
      tenantId: 'acme',
      approvalId: id,
      actor: bob.actor,
      decision: 'approve',
      correlationId: 'c-button',
    });
    expect(outcome).toMatchObject({
      ok: false,
      refusal: { code: 'audit.unavailable', message: expect.stringContaining('nothing was done') },
    });
    store.failing = false;
    const card = await t.app.provided('approvals')?.get('acme', id);
    expect(card).toMatchObject({ state: 'pending', decisions: [] });
    const again = await t.app.provided('approvals')?.decide({
      tenantId: 'acme',
      approvalId: id,
      actor: bob.actor,
      decision: 'approve',
      correlationId: 'c-button-2',
    });
    expect(again).toMatchObject({
      ok: true,
      card: { state: 'pending', decisions: [{ memberId: 'bob', platform: 'slack' }] },
    });
  });

  it('a job that needs approval and arrives without an approved request does not run; the thread is told', async () => {
    const ran: string[] = [];
    t = await startTestApp({
      config: testConfig({ yaml: approvalsYaml() }),
      modules: [approvalsModule(), testProcessors(ran)],
    });
    const chat = recordThreads(t.app);
    const pendingId =
      (await say(t.app, consoleUser('alice'), 'deploy payments to production')).replies[0]?.approval?.id ?? '';
    const base: JobData = {
      v: 1,
      kind: 'deploy',
      tenantId: 'acme',
      requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
      command: { name: 'deploy', service: 'payments', environment: 'production' },
      thread: { platform: 'console', channel: 'sneaky' },
      correlationId: 'c-sneaky',
      deliveryId: 'd-sneaky',
    };
    await t.app.queue.enqueue('deploy-sneaky-1', base);
    await t.app.queue.enqueue('deploy-sneaky-2', { ...base, approvalId: pendingId, targetDigest: 'ref:default' });
    const first = await chat.waitFor((p) => p.reply.key === 'job:deploy-sneaky-1' && p.reply.kind === 'refusal');
    expect(first.reply.text).toContain(
      'rule "production-deploys" needs 1 tech_lead and 1 devops, and this job carries no approved request',
    );
    const second = await chat.waitFor((p) => p.reply.key === 'job:deploy-sneaky-2' && p.reply.kind === 'refusal');
    expect(second.reply.text).toContain(`its approval ${pendingId} is pending`);
    expect(ran).toEqual([]);
  });

  it('an unreachable approvals store: nothing is requested or decided, and the person is told (no 500)', async () => {
    const store = new FailingApprovalStore();
    t = await startTestApp({
      config: testConfig({ yaml: approvalsYaml() }),
      modules: [approvalsModule({ store }), testProcessors([])],
    });
    const id = (await say(t.app, consoleUser('alice'), 'deploy payments to critical')).replies[0]?.approval?.id ?? '';
    store.failing = true;
    const approve = await say(t.app, consoleUser('bob'), `approve ${id}`);
    expect(approve.replies[0]).toMatchObject({
      kind: 'refusal',
      text: expect.stringContaining('approvals store cannot be reached'),
    });
    const request = await say(t.app, consoleUser('alice'), 'deploy payments to production');
    expect(request.replies[0]).toMatchObject({
      kind: 'refusal',
      text: expect.stringContaining('nothing was requested or decided'),
    });
    store.failing = false;
    expect(await t.app.provided('approvals')?.get('acme', id)).toMatchObject({ state: 'pending', decisions: [] });
  });
});
