// RELIABILITY.md #20: a worker killed with SIGKILL mid-job → the job runs again on another worker, without a second
// review. Real processes: one `void --role web` and two `void --role worker` on one Redis key prefix, GitHub faked on
// loopback. A signed `/void review` webhook queues a real review job (agents module, offline engine); the fake GitHub
// stores the review but never answers the worker that posted it, which is then SIGKILLed. The other worker takes the
// job once its lock lapses (VOID_JOB_LOCK_MS=3000, VOID_STALLED_INTERVAL_MS=1000), finds the review by its marker and
// edits it: one review on the pull request, one progress comment, the job completed.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_QUEUE } from '../../agents/queues.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { deletePrefix, spawnVoid, tempTenantsFile, type VoidProcess } from '../helpers/deploy.js';
import { fakeGithubServer, type FakeGithubServer } from '../helpers/faults-github.js';
import { appPrivateKey, deliver, prComment, WEBHOOK_SECRET } from '../helpers/github.js';

const say = (text: string) => console.log(`[fault worker-kill] ${text}`);
const procs: VoidProcess[] = [];
let fake: FakeGithubServer | undefined;
let queue: Queue | undefined;
const prefix = uniqueId('fault-kill');

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await deletePrefix(prefix);
  await fake?.close();
});

function start(role: 'web' | 'worker', appId: string, env: Record<string, string>): VoidProcess {
  const proc = spawnVoid(['--role', role], { ...env, GITHUB_APP_ID: appId });
  procs.push(proc);
  return proc;
}

async function settled(jobId: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const state = await queue?.getJobState(jobId);
    if (state === 'completed' || state === 'failed') return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'timeout';
}

describe('fault: worker SIGKILL mid-job', () => {
  it('a second worker finishes the review job; the pull request gets one review, edited, not two', async () => {
    fake = await fakeGithubServer({ holdFirstReview: true });
    const env = {
      VOID_KEY_PREFIX: prefix,
      VOID_TENANTS_FILE: tempTenantsFile(),
      VOID_JOB_LOCK_MS: '3000',
      VOID_STALLED_INTERVAL_MS: '1000',
      GITHUB_PRIVATE_KEY: appPrivateKey(),
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GITHUB_API_URL: fake.url,
      PORT: '0',
      HOST: '127.0.0.1',
      // Separate web and worker processes cannot share the durable embedded store (one owner per data directory).
      VOID_EMBEDDED_STORE: 'memory',
    };
    const web = start('web', '4241', env);
    const workers = new Map([
      ['4242', start('worker', '4242', env)],
      ['4243', start('worker', '4243', env)],
    ]);
    queue = new Queue(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
    const listening = await web.waitForLog((l) => l.msg === 'Void web role listening', 45_000);
    await Promise.all([...workers.values()].map((w) => w.waitForLog((l) => l.msg === 'Void started', 45_000)));
    say('web process and two worker processes started; delivering a signed /void review webhook');

    const sent = await deliver(
      `http://127.0.0.1:${String(listening.port)}`,
      'issue_comment',
      prComment('/void review'),
    );
    expect(sent.status).toBe(202);
    const holder = await Promise.race([
      fake.reviewHeld,
      new Promise<string>((r) => setTimeout(() => r('none'), 30_000)),
    ]);
    const victim = workers.get(holder);
    expect(victim, `the review came from App ${holder}, not from a worker`).toBeDefined();
    const [job] = await queue.getJobs(['active']);
    expect(job?.id).toBeDefined();
    say(`worker App ${holder} posted the review and waits for GitHub's answer; job ${job?.id} is active; SIGKILL`);
    victim?.child.kill('SIGKILL');
    await victim?.exited;

    expect(await settled(job?.id as string)).toBe('completed');
    const survivor = [...workers.keys()].find((k) => k !== holder) as string;
    const done = await queue.getJob(job?.id as string);
    const marker = `void:review:${job?.id}`;
    const writes = fake.calls.filter((c) => c.method !== 'GET' && c.path.includes('/pulls/7/reviews'));
    const jobComments = fake.comments.filter((c) => c.body.includes(`reply:job:${job?.id}`));
    say(
      `checked: job ${await done?.getState()} (attempts started ${done?.attemptsStarted ?? '?'}, ` +
        `stalled ${done?.stalledCounter ?? '?'}); review ` +
        `writes ${writes.map((w) => `${w.method} by App ${w.by}`).join(', ')}; ${fake.reviews.length} review(s) ` +
        `on the PR; ${jobComments.length} job comment(s): "${jobComments[0]?.body.split('\n')[0] ?? ''}"; ` +
        `unmatched calls: ${fake.unmatched.join(', ') || 'none'}`,
    );
    expect(fake.reviews).toHaveLength(1);
    expect(fake.reviews[0]?.body).toContain(marker);
    expect(writes.map((w) => `${w.method} ${w.by}`)).toEqual([`POST ${holder}`, `PUT ${survivor}`]);
    expect(jobComments).toHaveLength(1);
    expect(jobComments[0]?.body).toMatch(/^✅ review done: acme\/api#7 reviewed/);
    expect(done?.returnvalue).toMatchObject({ summary: expect.stringContaining('acme/api#7 reviewed') });
  }, 90_000);
});
