// A whole conversation on a real Void (real Redis, BullMQ, approvals and audit modules): a deploy approved by two
// people after the requester tried to approve it, one rejected with a reason, one forced through break-glass and
// acknowledged by compliance. The compliance evidence report built from the trail shows each of them, the chain
// verifies from chat, and no free text typed by people is in the hashed records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followUpIdFor } from '../../approvals/breakglass.js';
import { approvalsModule } from '../../approvals/module.js';
import { auditModule } from '../../audit/module.js';
import { collectEvidence, reportMarkdown } from '../../audit/report.js';
import { verifyChain } from '../../audit/verify.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  approvalsYaml,
  consoleUser,
  recordThreads,
  say,
  slackUser,
  testProcessors,
  type RecordingChat,
} from '../helpers/approvals.js';

let t: TestApp;
let chat: RecordingChat;
const ids: Record<string, string> = {};

async function request(text: string): Promise<string> {
  const result = await say(t.app, consoleUser('alice'), text);
  const id = result.replies[0]?.approval?.id;
  if (!id) throw new Error(`no approval card: ${result.replies.map((r) => r.text).join(' | ')}`);
  return id;
}

beforeAll(async () => {
  t = await startTestApp({
    config: testConfig({ yaml: approvalsYaml() }),
    modules: [approvalsModule(), auditModule, testProcessors([])],
  });
  chat = recordThreads(t.app);
  ids.approved = await request('deploy payments to production at v1.4.2');
  await say(t.app, slackUser('U0ALICE01'), `approve ${ids.approved}`);
  await say(t.app, slackUser('U0BOB0001'), `approve ${ids.approved}`);
  await say(t.app, slackUser('U0CAROL01'), `approve ${ids.approved}`);
  await chat.waitFor((p) => p.reply.text.includes(`deploy done for ${ids.approved}`));
  ids.rejected = await request('deploy ledger to production at v9');
  await say(t.app, slackUser('U0BOB0001'), `reject ${ids.rejected} too risky on a Friday, Alice`);
  ids.forced = await request('deploy payments to production at v1.4.3');
  await say(t.app, slackUser('U0ERIN001'), `breakglass ${ids.forced} card payments are down for every customer`);
  await chat.waitFor((p) => p.reply.text.includes(`deploy done for ${ids.forced}`));
  await say(t.app, slackUser('U0DAVE001'), `ack ${followUpIdFor(ids.forced)}`);
}, 60_000);
afterAll(async () => t?.stop());

describe('audit evidence of a real approval conversation', () => {
  it(
    'reports requester, approvers, refusals, rule, ' + 'break-glass and outcome for every approval-gated request',
    async () => {
      const evidence = await collectEvidence(t.app.audit.store, 'acme', {});
      const byId = new Map(evidence.map((e) => [e.approvalId, e]));
      expect(byId.get(ids.approved as string)).toMatchObject({
        requester: 'alice',
        rule: 'production-deploys',
        kind: 'deploy',
        approvers: ['bob', 'carol'],
        state: 'approved',
        denials: [{ by: 'alice', code: 'approval.self_approval' }],
        job: { outcome: 'completed' },
      });
      expect(byId.get(ids.rejected as string)).toMatchObject({
        requester: 'alice',
        rejecters: ['bob'],
        state: 'rejected',
      });
      expect(byId.get(ids.rejected as string)?.job).toBeUndefined();
      expect(byId.get(ids.forced as string)).toMatchObject({
        requester: 'alice',
        breakGlass: { by: 'erin' },
        acknowledgement: { by: 'dave', followUpId: followUpIdFor(ids.forced as string) },
        job: { outcome: 'completed' },
      });
      const names = new Map(t.app.registry.get('acme')?.members.map((m) => [m.id, m.name]));
      const markdown = reportMarkdown({
        tenantId: 'acme',
        tenantName: 'Acme Payments',
        generatedAt: new Date().toISOString(),
        verify: await verifyChain(t.app.audit.store, 'acme'),
        evidence,
        names,
      });
      expect(markdown).toContain(
        'Approval-gated requests: 3; approved 1, rejected 1, break-glass 1 (unacknowledged 0), jobs completed 2',
      );
      expect(markdown).toContain('Bob Lead (bob); Carol Ops (carol)');
    },
  );

  it('keeps the words people typed out of the hashed records', async () => {
    const text = JSON.stringify(await t.app.audit.store.range('acme', 0, 100_000));
    expect(text).not.toContain('Friday');
    expect(text).not.toContain('card payments are down');
  });

  it('verifies from chat for the compliance officer', async () => {
    const { replies } = await say(t.app, slackUser('U0DAVE001'), 'audit verify');
    expect(replies[0]?.text).toMatch(/^Audit trail of acme verified: \d+ record\(s\)/);
  });
});
