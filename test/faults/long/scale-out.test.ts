// Issue 11 part 5: multi-process scale-out. Two `void --role web` and two `void --role worker` processes on one Redis
// key prefix take a burst of SCALE_EVENTS signed events over HTTP (Slack `@Void status` mentions and GitHub
// `/void status` PR comments, spread over 50 tenants and both web processes). Every Slack mention is a job that must
// be done exactly once, counted from BullMQ (completed jobs, attempts) and from what the fake Slack received: one
// final "✅ status done" per channel (each event has its own channel), never a second one. A PR comment's `status`
// needs no job (issue 17): each pull request gets exactly one comment, the answer, and nothing is queued for it.
// GitHub's share is small on purpose: Void paces GitHub writes at one per second per installation (octokit's
// throttling, GitHub's content-creation limit), so 1,000 PR comments over 50 installations already take ~30 s.
// Long: run with `npm run test:faults`.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_QUEUE } from '../../../agents/queues.js';
import { REDIS_URL, uniqueId } from '../../helpers/app.js';
import { deletePrefix } from '../../helpers/deploy.js';
import {
  bounded,
  installationOf,
  pad,
  platformsFake,
  scaleTenantsYaml,
  startCluster,
  teamOf,
  type Cluster,
  type PlatformsFake,
} from '../../helpers/faults-cluster.js';
import { deliver, prComment } from '../../helpers/github.js';
import { mentionEvent, postSlack } from '../../helpers/slack.js';

const EVENTS = Number(process.env.SCALE_EVENTS ?? 10_000);
const GITHUB_SHARE = 10; // one event in ten is a GitHub PR comment
/** Jobs: the Slack mentions (a PR comment's `status` is answered without one). */
const JOBS = EVENTS - EVENTS / GITHUB_SHARE;
const TENANTS = 50;
const say = (text: string) => console.log(`[fault scale-out] ${text}`);

const prefix = uniqueId('scale');
let fake: PlatformsFake | undefined;
let cluster: Cluster | undefined;
let queue: Queue | undefined;

afterAll(async () => {
  await cluster?.stop();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await deletePrefix(prefix);
  await fake?.close();
});

const isGithub = (i: number) => i % GITHUB_SHARE === 0;
const tenant = (i: number) => i % TENANTS;
const channelOf = (i: number) => `C0S${String(i).padStart(6, '0')}`;

async function send(urls: string[], fakeUrl: string, i: number): Promise<number> {
  const url = urls[i % urls.length] as string;
  const t = tenant(i);
  if (isGithub(i)) {
    const p = prComment('/void status', { installation: installationOf(t), login: `dev${pad(t)}` });
    p.repository.owner.login = `org${pad(t)}`;
    p.repository.full_name = `org${pad(t)}/api`;
    p.issue.number = i + 1;
    p.issue.pull_request = {
      url: `https://github.test/api/v3/repos/org${pad(t)}/api/pulls/${i + 1}`,
      html_url: `https://github.test/org${pad(t)}/api/pull/${i + 1}`,
    };
    p.comment.id = 100_000 + i;
    return (await deliver(url, 'issue_comment', p)).status;
  }
  const fields = { text: 'status', team: teamOf(t), user: `U0DEV${pad(t)}0`, channel: channelOf(i) };
  const body = mentionEvent({ ...fields, eventId: `EvScale${prefix}${i}`, ts: `1700000000.${i}` });
  return (await postSlack(url, { body, contentType: 'application/json' })).status;
}

describe('scale-out: 2 web + 2 worker processes on one Redis', () => {
  it(`handles ${EVENTS} mixed signed events with every job done exactly once`, async () => {
    fake = await platformsFake();
    cluster = await startCluster({
      prefix,
      yaml: scaleTenantsYaml(TENANTS),
      fake,
      webs: 2,
      workers: 2,
      env: { VOID_WORKER_CONCURRENCY: '32', LOG_LEVEL: 'info' },
    });
    queue = new Queue(JOB_QUEUE, { connection: { url: REDIS_URL }, prefix });
    say(`2 web (${cluster.urls.join(', ')}) and 2 worker processes started; sending ${EVENTS} events, 32 at a time`);

    const statuses = new Map<number, number>();
    const t0 = Date.now();
    await bounded(EVENTS, 32, async (i) => {
      const status = await send(cluster?.urls ?? [], fake?.url ?? '', i);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
    const ingestS = (Date.now() - t0) / 1000;
    say(
      `sent in ${ingestS.toFixed(1)} s (${(EVENTS / ingestS).toFixed(0)} events/s); ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect([...statuses.keys()].every((s) => s === 200 || s === 202)).toBe(true);

    // Bounded: 10,000 jobs drain at ~35/s on a loaded 2-core machine (GitHub's paced writes hold worker slots).
    const deadline = Date.now() + Number(process.env.SCALE_DRAIN_S ?? 600) * 1000;
    let counts: Record<string, number> = {};
    while (Date.now() < deadline) {
      counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized');
      if ((counts.completed ?? 0) + (counts.failed ?? 0) >= JOBS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // The last replies are written after BullMQ marks the job completed: wait until the fakes have them all.
    const finals = () => {
      const slack = [...fake!.slack.entries()]
        .filter(([c]) => c.startsWith('C0S'))
        .map(([, texts]) => texts.filter((x) => /^chat\.\w+ ✅ status done/.test(x)).length);
      const github = [...fake!.commentWrites.values()].map((bodies) => bodies.length);
      return { slack, github };
    };
    while (Date.now() < deadline && finals().slack.length + finals().github.length < EVENTS)
      await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate final reply, if any, would arrive now
    const { slack, github } = finals();
    const jobs = await queue.getJobs(['completed'], 0, JOBS * 2);
    const rerun = jobs.filter((j) => (j.attemptsStarted ?? 1) > 1).length;
    const once = (list: number[]) => list.filter((n) => n === 1).length;
    say(
      `checked after ${((Date.now() - t0) / 1000).toFixed(0)} s: ` +
        `BullMQ ${JSON.stringify(counts)}, ${jobs.length} completed jobs listed, ${rerun} started more than once; ` +
        `Slack channels with exactly one final reply ${once(slack)}/${EVENTS - EVENTS / GITHUB_SHARE} (more than ` +
        `one: ${slack.filter((n) => n > 1).length}); pull requests with exactly one ` +
        `comment ${once(github)}/${EVENTS / GITHUB_SHARE} (more than ` +
        `one: ${github.filter((n) => n > 1).length}); ${fake.calls} calls to the fakes; ` +
        `unmatched: ${fake.unmatched.slice(0, 5).join(', ') || 'none'}; response_url ` +
        `fallbacks: ${fake.slack.get('response_url')?.length ?? 0}`,
    );
    expect(counts).toMatchObject({ completed: JOBS, failed: 0, active: 0, waiting: 0, delayed: 0 });
    expect(jobs).toHaveLength(JOBS);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(JOBS);
    expect(rerun).toBe(0);
    expect(slack.length).toBe(EVENTS - EVENTS / GITHUB_SHARE);
    expect(once(slack)).toBe(slack.length);
    expect(github.length).toBe(EVENTS / GITHUB_SHARE);
    expect(once(github)).toBe(github.length);
    expect(fake.unmatched).toEqual([]);
  }, 900_000);
});
