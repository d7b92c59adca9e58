// Decisions through the real dispatcher of a real Void process (real Redis, BullMQ, audit trail): concurrency,
// separation of duties across linked identities, tenancy, roles, expiry and a moved target.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import type { VoidModule } from '../../bot/modules.js';
import { providing } from '../helpers/ports.js';
import type { AuditRecord } from '../../audit/types.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  approvalsYaml,
  consoleUser,
  githubUser,
  movableHead,
  recordThreads,
  say,
  slackUser,
  testProcessors,
  type RecordingChat,
} from '../helpers/approvals.js';

let t: TestApp;
let chat: RecordingChat;
let ran: string[];
const head = movableHead('aaa111');

async function start(extra: VoidModule[] = []): Promise<void> {
  ran = [];
  t = await startTestApp({
    config: testConfig({ yaml: approvalsYaml() }),
    modules: [...extra, approvalsModule(), testProcessors(ran)],
  });
  chat = recordThreads(t.app);
}

async function trail(tenant = 'acme'): Promise<AuditRecord[]> {
  return t.app.audit.store.range(tenant, 1, 100_000);
}

async function requestDeploy(env: string, who = consoleUser('alice')): Promise<string> {
  const result = await say(t.app, who, `deploy payments to ${env} at v1.4.2`);
  const card = result.replies[0]?.approval;
  expect(card, result.replies.map((r) => r.text).join('\n')).toBeDefined();
  return card?.id ?? '';
}

describe('approvals: decisions', () => {
  beforeEach(async () => start());
  afterEach(async () => t.stop());

  it('20 concurrent approvals of a 2-approval request: one transition to approved, one job, run once', async () => {
    const id = await requestDeploy('critical');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        say(t.app, slackUser(`U0APPR${String(i + 1).padStart(2, '0')}`), `approve ${id}`),
      ),
    );
    const texts = results.map((r) => r.replies[0]?.text ?? '');
    expect(texts.filter((x) => x.includes('the quorum is met'))).toHaveLength(1);
    expect(texts.filter((x) => x.startsWith('You approved'))).toHaveLength(2);
    expect(texts.filter((x) => x.includes('already approved'))).toHaveLength(18);
    const records = await trail();
    expect(records.filter((r) => r.action === 'approval.decided' && r.details?.state === 'approved')).toHaveLength(1);
    expect(records.filter((r) => r.action === 'approval.decided')).toHaveLength(2);
    expect(records.filter((r) => r.action === 'job.queued').map((r) => r.target)).toEqual([`deploy-appr-acme-${id}`]);
    await chat.waitFor((p) => p.reply.text.startsWith('✅ deploy done'));
    const jobs = await t.app.queue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(jobs.map((j) => j.id)).toEqual([`deploy-appr-acme-${id}`]);
    expect(jobs[0]?.data).toMatchObject({ approvalId: id, targetDigest: 'ref:v1.4.2' });
    expect(ran).toEqual([`deploy-appr-acme-${id}`]);
    expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('approved');
    expect(records.find((r) => r.action === 'approval.requested')?.details).toEqual({
      approvalId: id,
      rule: 'critical-deploys',
      kind: 'deploy',
      summary: 'deploy payments to critical at v1.4.2',
    });
    // The card itself is the answer to the request (posted by the surface that asked); the module updates it once
    // per decision that counted, never for the 18 that did not.
    const cards = chat.posts.filter((p) => p.reply.key === `approval:${id}`);
    expect(cards.map((p) => p.reply.kind)).toEqual(['approval', 'approval']);
    expect(cards.map((p) => p.reply.approval?.state).sort()).toEqual(['approved', 'pending']);
  });

  it('the same person approving twice (or ten times at once, from two platforms) counts once', async () => {
    const id = await requestDeploy('critical');
    const clicks = await Promise.all([
      ...Array.from({ length: 9 }, () => say(t.app, slackUser('U0BOB0001'), `approve ${id}`)),
      say(t.app, githubUser('bob'), `approve ${id}`),
    ]);
    expect(clicks.filter((r) => r.replies[0]?.text.startsWith('You approved'))).toHaveLength(1);
    expect(clicks.filter((r) => r.replies[0]?.text.includes('one person counts once'))).toHaveLength(9);
    const card = await t.app.provided('approvals')?.get('acme', id);
    expect(card?.state).toBe('pending');
    expect(card?.decisions.map((d) => d.memberId)).toEqual(['bob']);
    expect(card?.remaining).toBe('1 more approval from tech_lead or devops');
    const denied = (await trail()).filter((r) => r.action === 'approval.denied');
    expect(denied).toHaveLength(9);
    expect(denied.every((r) => r.details?.code === 'approval.already_counted')).toBe(true);
  });

  it(
    'the requester approving under a linked identity ' + 'on another platform is refused, privately, and audited',
    async () => {
      const id = await requestDeploy('production', slackUser('U0ALICE01'));
      const result = await say(t.app, githubUser('alice-ci-bot'), `approve ${id}`);
      expect(result.replies[0]).toMatchObject({ kind: 'refusal', private: true });
      expect(result.replies[0]?.text).toContain(`You requested ${id}`);
      const denied = (await trail()).find((r) => r.action === 'approval.denied');
      expect(denied).toMatchObject({
        target: id,
        actor: { memberId: 'alice', platform: 'github', platformUserId: 'alice-ci-bot' },
        details: { approvalId: id, code: 'approval.self_approval' },
      });
      expect((await t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
    },
  );

  it(
    "another tenant's approver cannot see or decide the request; " + 'a member without an eligible role is refused',
    async () => {
      const id = await requestDeploy('production');
      expect((await t.app.provided('approvals')?.pendingFor('acme', 'bob'))?.map((c) => c.id)).toEqual([id]);
      expect(await t.app.provided('approvals')?.pendingFor('acme', 'alice')).toEqual([]);
      expect(await t.app.provided('approvals')?.pendingFor('acme', 'dave')).toEqual([]);
      expect(await t.app.provided('approvals')?.pendingFor('globex', 'gina')).toEqual([]);
      const foreign = await say(t.app, slackUser('U0GINA001', 'T0GLOBEX1'), `approve ${id}`);
      expect(foreign.replies[0]?.text).toBe(`There is no request "${id}" in Globex Health.`);
      expect(await t.app.provided('approvals')?.get('globex', id)).toBeUndefined();
      expect((await trail('globex')).find((r) => r.action === 'approval.denied')?.details).toEqual({
        approvalId: id,
        code: 'approval.not_found',
      });
      const noRole = await say(t.app, slackUser('U0DAVE001'), `approve ${id}`);
      expect(noRole.replies[0]?.text).toContain('you are compliance_officer');
      await say(t.app, slackUser('U0CAROL01'), `approve ${id}`);
      const sameRole = await say(t.app, slackUser('U0ERIN001'), `approve ${id}`);
      expect(sameRole.replies[0]?.text).toContain('still needs 1 more approval from tech_lead; you are admin, devops');
      const codes = (await trail()).filter((r) => r.action === 'approval.denied').map((r) => r.details?.code);
      expect(codes).toEqual(['approval.role_missing', 'approval.role_not_needed']);
      expect((await t.app.provided('approvals')?.get('acme', id))?.decisions.map((d) => d.memberId)).toEqual(['carol']);
    },
  );

  it('expires by its delayed job, tells the thread, and refuses a later approval', async () => {
    const id = await requestDeploy('hotfix');
    const expired = await chat.waitFor((p) => p.reply.text.startsWith(`⌛ Request ${id}`));
    expect(expired.thread).toMatchObject({ platform: 'console' });
    const late = await say(t.app, slackUser('U0BOB0001'), `approve ${id}`);
    expect(late.replies[0]?.text).toMatch(new RegExp(`Request ${id} expired at \\d{4}-`));
    const records = await trail();
    expect(records.filter((r) => r.action === 'approval.expired').map((r) => r.details)).toEqual([{ approvalId: id }]);
    expect(records.find((r) => r.action === 'approval.denied')?.details?.code).toBe('approval.expired');
    expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, completed: 0 });
  });
});

describe('approvals: a moved target', () => {
  beforeEach(async () => {
    head.move('aaa111');
    await start([providing('test-vcs', { vcs: head.port })]);
  });
  afterEach(async () => t.stop());

  it('records the PR head, voids the request when it moves, tells the thread, and refuses the approval', async () => {
    const result = await say(t.app, githubUser('alice'), 'review acme/api#42');
    const id = result.replies[0]?.approval?.id ?? '';
    expect(result.replies[0]?.approval?.targetDigest).toBe('sha:aaa111');
    head.move('bbb222');
    const late = await say(t.app, slackUser('U0BOB0001'), `approve ${id}`);
    expect(late.replies[0]?.text).toContain('was voided because what it approved changed (sha:aaa111 → sha:bbb222)');
    await chat.waitFor((p) => p.thread.platform === 'github' && p.reply.text.startsWith(`♻️ Request ${id}`));
    expect((await trail()).filter((r) => r.action === 'approval.voided').map((r) => r.details)).toEqual([
      { approvalId: id },
    ]);
    expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, completed: 0 });
  });

  it('voidStale (called on a push) voids pending requests approved against the old head', async () => {
    const id = (await say(t.app, githubUser('alice'), 'review acme/api#42')).replies[0]?.approval?.id;
    await say(t.app, githubUser('alice'), 'review acme/api#43');
    const voided = await t.app
      .provided('approvals')
      ?.voidStale('acme', { repo: 'acme/api', number: 42, headSha: 'ccc333' }, 'new commits were pushed');
    expect(voided?.map((c) => c.id)).toEqual([id]);
    expect(voided?.[0]?.state).toBe('cancelled');
    expect(
      await t.app
        .provided('approvals')
        ?.voidStale('acme', { repo: { owner: 'acme', name: 'api' }, number: 42, headSha: 'ccc333' }, 'again'),
    ).toEqual([]);
    expect(
      await t.app
        .provided('approvals')
        ?.voidStale('globex', { repo: 'acme/api', number: 43, headSha: 'x' }, 'other tenant'),
    ).toEqual([]);
  });
});
