// Refusals, limits, isolation and failure paths of the dispatcher and the worker, on a real Redis.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { AuditRecord } from '../../audit/types.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { AuditUnavailableError } from '../../bot/core/errors.js';
import type { InboundCommand, Reply, ThreadRef } from '../../bot/core/types.js';
import type { VoidModule } from '../../bot/modules.js';
import { EXAMPLE_YAML, REDIS_URL, testConfig, trackApps, type TestApp } from '../helpers/app.js';

const { start } = trackApps(afterEach);

let n = 0;
function cmd(
  text: string,
  as = 'alice',
  platform: InboundCommand['platform'] = 'console',
  workspaceId = 'acme',
): InboundCommand {
  n += 1;
  return {
    platform,
    workspaceId,
    platformUserId: as,
    text,
    thread: { platform: 'console', channel: 'chan' },
    deliveryId: `d-${Date.now()}-${n}`,
  };
}

/** Collects what the worker posts to console threads, through the real Redis pub/sub of the console port. */
function collectReplies(t: TestApp): { replies: Reply[]; waitFor: (pred: (r: Reply) => boolean) => Promise<Reply> } {
  const replies: Reply[] = [];
  const waiters: Array<() => void> = [];
  t.app.chat.register('console', {
    post: async (_thread: ThreadRef, reply: Reply) => {
      replies.push(reply);
      waiters.splice(0).forEach((w) => w());
    },
  });
  const waitFor = async (pred: (r: Reply) => boolean): Promise<Reply> => {
    for (;;) {
      const found = replies.find(pred);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { replies, waitFor };
}

const limitedYaml = EXAMPLE_YAML.replace('memberCommandsPerMinute: 30', 'memberCommandsPerMinute: 2').replace(
  'memberConcurrentJobs: 3',
  'memberConcurrentJobs: 1',
);

describe('dispatcher refusals', () => {
  it('refuses an unknown person politely, and records it on the tenant trail', async () => {
    const t = await start({ role: 'web' });
    const result = await t.app.dispatcher.dispatch(cmd('status', 'U0STRANGER', 'slack', 'T0ACME001'));
    expect(result.replies).toEqual([
      expect.objectContaining({ kind: 'refusal', private: true, text: expect.stringContaining('ask Erin Admin') }),
    ]);
    const [record] = await t.app.audit.store.range('acme', 1, 10);
    expect(record).toMatchObject({
      action: 'request.rejected',
      outcome: 'denied',
      details: { code: 'identity.unknown_user' },
      actor: { platform: 'slack', platformUserId: 'U0STRANGER' },
    });
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(0);
  });

  it('refuses an unknown workspace without revealing any tenant, on the system trail', async () => {
    const t = await start({ role: 'web' });
    const result = await t.app.dispatcher.dispatch(cmd('status', 'U0ALICE01', 'slack', 'T0EVIL0001'));
    expect(result.replies[0]?.text).toContain('not connected to Void');
    expect(result.replies[0]?.text).not.toMatch(/acme|globex/i);
    const [record] = await t.app.audit.store.range(SYSTEM_TENANT, 1, 10);
    expect(record).toMatchObject({
      action: 'request.rejected',
      details: { code: 'identity.unknown_workspace' },
      target: 'T0EVIL0001',
    });
  });

  it('limits commands per person per minute with a polite answer, and audits the refusal', async () => {
    const t = await start({ role: 'web', config: testConfig({ yaml: limitedYaml }) });
    expect((await t.app.dispatcher.dispatch(cmd('whoami'))).replies[0]?.kind).toBe('answer');
    expect((await t.app.dispatcher.dispatch(cmd('whoami'))).replies[0]?.kind).toBe('answer');
    const third = await t.app.dispatcher.dispatch(cmd('whoami'));
    expect(third.replies[0]).toMatchObject({
      kind: 'refusal',
      text: expect.stringMatching(
        /more than 2 commands this minute, the limit per person\. Please try again in \d+ s\./,
      ),
    });
    // Another person of the same tenant is not affected by alice's burst.
    expect((await t.app.dispatcher.dispatch(cmd('whoami', 'bob'))).replies[0]?.kind).toBe('answer');
    const records = await t.app.audit.store.range('acme', 1, 100);
    expect(records.filter((r) => r.action === 'request.rejected')).toEqual([
      expect.objectContaining({ details: { code: 'limit.member_rate' } }),
    ]);
  });

  it('does nothing when the audit trail cannot be written, and processes the platform retry once it can', async () => {
    let down = true;
    class FlakyStore extends EmbeddedAuditStore {
      override async insert(record: AuditRecord): Promise<boolean> {
        if (down) throw new Error('connection refused');
        return super.insert(record);
      }
    }
    const t = await start({ role: 'web', app: { auditStore: new FlakyStore() } });
    const request = cmd('status');
    await expect(t.app.dispatcher.dispatch(request)).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(0);
    down = false;
    const retry = await t.app.dispatcher.dispatch(request);
    expect(retry.duplicate).toBe(false);
    expect(retry.replies[0]?.text).toMatch(/queued as job/);
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(1);
  });

  it('names people by erasable pseudonyms in the trail when VOID_AUDIT_PSEUDONYMISE_IDENTITIES is on', async () => {
    const t = await start({
      role: 'web',
      config: testConfig({ env: { VOID_AUDIT_PSEUDONYMISE_IDENTITIES: 'true', REDIS_URL } }),
    });
    await t.app.dispatcher.dispatch(cmd('whoami', 'U0ALICE01', 'slack', 'T0ACME001'));
    const [record] = await t.app.audit.store.range('acme', 1, 10);
    expect(record?.actor).toMatchObject({
      memberId: 'alice',
      platform: 'slack',
      platformUserId: expect.stringMatching(/^pid-/),
    });
    expect(JSON.stringify(record)).not.toContain('U0ALICE01');
  });

  it('refuses job kinds that no agent in this build can run, queueing nothing', async () => {
    const t = await start({ role: 'web' });
    const result = await t.app.dispatcher.dispatch(cmd('review acme/api#42'));
    expect(result.replies[0]?.text).toContain('not available in this deployment');
    expect(await t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(0);
  });
});

describe('jobs', () => {
  it('lets the requester or an admin cancel a job that has not started, and nobody else', async () => {
    const t = await start({ role: 'web' });
    const queued = await t.app.dispatcher.dispatch(cmd('status', 'alice'));
    const jobId = /job (\S+)/.exec(queued.replies[0]?.text ?? '')?.[1] ?? '';
    expect((await t.app.dispatcher.dispatch(cmd(`cancel ${jobId}`, 'bob'))).replies[0]?.text).toContain(
      'Only the person who asked',
    );
    expect(
      (await t.app.dispatcher.dispatch(cmd(`cancel ${jobId}`, 'gina', 'console', 'globex'))).replies[0]?.text,
    ).toContain(`no job or request "${jobId}" in Globex Health`);
    expect((await t.app.dispatcher.dispatch(cmd(`cancel ${jobId}`, 'erin'))).replies[0]?.text).toContain(
      `Cancelled job ${jobId}`,
    );
    expect(await t.app.queue.queue.getJob(jobId)).toBeUndefined();
  });

  it("never shows one tenant's job to another tenant", async () => {
    const t = await start();
    const { waitFor } = collectReplies(t);
    const queued = await t.app.dispatcher.dispatch(cmd('status', 'alice'));
    const jobId = /job (\S+)/.exec(queued.replies[0]?.text ?? '')?.[1] ?? '';
    await waitFor((r) => r.text.startsWith('✅') && r.key === `job:${jobId}`);
    await t.app.dispatcher.dispatch(cmd(`status ${jobId}`, 'gina', 'console', 'globex'));
    const answer = await waitFor((r) => r.text.includes('Globex Health'));
    expect(answer.text).toContain(`no job or request "${jobId}" in Globex Health`);
  });

  it('retries a failing job with backoff, then reports the failure in the thread and the trail', async () => {
    let calls = 0;
    const flaky: VoidModule = {
      name: 'test-flaky-triage',
      setup: async () => ({
        kinds: ['triage'],
        processors: () =>
          new Map([
            [
              'triage',
              async () => {
                calls += 1;
                throw new Error(`ticket service answered 502 (call ${calls})`);
              },
            ],
          ]),
      }),
    };
    // Every progress line is written (no coalescing): the retry notice between the attempts is what is checked.
    const t = await start({
      modules: [flaky],
      config: testConfig({ env: { VOID_JOB_ATTEMPTS: '2', VOID_PROGRESS_INTERVAL_MS: '0', REDIS_URL } }),
    });
    const { replies, waitFor } = collectReplies(t);
    await t.app.dispatcher.dispatch(cmd('triage PAY-1'));
    const final = await waitFor((r) => r.text.startsWith('❌'));
    expect(final.text).toBe('❌ triage failed after 2 attempt(s): ticket service answered 502 (call 2)');
    expect(
      replies.some((r) =>
        r.text.startsWith('⚠️ triage attempt 1 of 2 failed (ticket service answered 502 (call 1)); retrying'),
      ),
    ).toBe(true);
    expect(calls).toBe(2);
    const records = await t.app.audit.store.range('acme', 1, 100);
    expect(records.filter((r) => r.action === 'job.failed')).toHaveLength(1);
  });

  it('holds a job while the person already has as many jobs running as allowed, then runs it', async () => {
    const t = await start({ config: testConfig({ yaml: limitedYaml }) });
    const { waitFor } = collectReplies(t);
    const tenant = t.app.registry.get('acme');
    if (!tenant) throw new Error('no tenant');
    const { JobSlots } = await import('../../agents/slots.js');
    const slots = new JobSlots(t.app.redis, t.prefix, t.app.queue.queue.toKey(''));
    // A job running elsewhere: its slot and its BullMQ lock (a slot without a lock is free).
    const lock = `${t.app.queue.queue.toKey('other-running-job')}:lock`;
    await t.app.redis.set(lock, 'token', 'PX', 60_000);
    expect(await slots.acquire('acme', 'alice', 'other-running-job', tenant.limits)).toBe('acquired');
    await t.app.dispatcher.dispatch(cmd('status', 'alice'));
    const waiting = await waitFor((r) => r.text.startsWith('⏳'));
    expect(waiting.text).toBe('⏳ status is queued: you already have 1 jobs running; it starts when one finishes.');
    await t.app.redis.del(lock); // the other job finished: BullMQ dropped its lock, and with it the slot
    const done = await waitFor((r) => r.text.startsWith('✅'));
    expect(done.key).toBe(waiting.key);
  });
});

describe('answerAtOnce (Teams, JIRA, GitHub: the answer is what the adapter sends while the platform waits)', () => {
  const jobs = (t: TestApp) => t.app.queue.queue.getJobCountByTypes('waiting', 'active', 'completed', 'delayed');
  const received = async (t: TestApp) =>
    (await t.app.audit.store.range('acme', 1, 100)).filter((r) => r.action === 'command.received');

  it('answers status with the queue itself, after its record, with no job; a redelivery does nothing', async () => {
    const t = await start({ role: 'web' });
    const request = cmd('status');
    const result = await t.app.dispatcher.dispatch(request, {}, { answerAtOnce: true });
    expect(result.replies).toEqual([{ text: 'no jobs in Acme Payments yet', kind: 'answer' }]);
    expect(await jobs(t)).toBe(0);
    expect((await received(t)).map((r) => r.details?.command)).toEqual(['status']);
    expect((await t.app.dispatcher.dispatch(request, {}, { answerAtOnce: true })).duplicate).toBe(true);
    expect(await received(t)).toHaveLength(1);
  });

  it('leaves commands that need a job, and status of an approval, to their runners', async () => {
    const t = await start({ role: 'web' });
    const approval = await t.app.dispatcher.dispatch(cmd('status ap-0123456789abcdef'), {}, { answerAtOnce: true });
    expect(approval.replies[0]?.text).toMatch(/queued as job/);
    expect(await jobs(t)).toBe(1);
  });

  it("stays within the person's command limit", async () => {
    const t = await start({ role: 'web', config: testConfig({ yaml: limitedYaml }) });
    const kinds = [];
    for (let i = 0; i < 3; i += 1)
      kinds.push((await t.app.dispatcher.dispatch(cmd('status'), {}, { answerAtOnce: true })).replies[0]?.kind);
    expect(kinds).toEqual(['answer', 'answer', 'refusal']);
  });

  it('answers nothing when the record cannot be written, and answers the platform retry once it can', async () => {
    let down = true;
    class FlakyStore extends EmbeddedAuditStore {
      override async insert(record: AuditRecord): Promise<boolean> {
        if (down) throw new Error('connection refused');
        return super.insert(record);
      }
    }
    const t = await start({ role: 'web', app: { auditStore: new FlakyStore() } });
    const request = cmd('whoami');
    await expect(t.app.dispatcher.dispatch(request, {}, { answerAtOnce: true })).rejects.toBeInstanceOf(
      AuditUnavailableError,
    );
    down = false;
    const retry = await t.app.dispatcher.dispatch(request, {}, { answerAtOnce: true });
    expect(retry.replies[0]?.text).toContain('You are Alice Developer');
    expect(await received(t)).toHaveLength(1);
  });
});
