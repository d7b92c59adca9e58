// Set-up shared by the GitHub webhook tests (github-webhooks*.test.ts): Void processes started with review jobs
// available (a test processor that never runs in the web role), stopped after each test once their after-ack work
// is done (`afterEach(stopStarted)`), and two readers: a process's jobs and a tenant's audit records.
import { processorsModule, startGithubApp, type GithubTestApp } from './github-app.js';

let running: GithubTestApp[] = [];

/** Stops every process `start` started; for afterEach. */
export async function stopStarted(): Promise<void> {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
}

/** Review jobs are available (a test processor that never runs in the web role). */
const reviewKind = processorsModule({ review: () => async () => ({ summary: 'reviewed' }) });

export async function start(options: Parameters<typeof startGithubApp>[0] = {}): Promise<GithubTestApp> {
  const t = await startGithubApp({ modules: [reviewKind], ...options });
  running.push(t);
  return t;
}

export async function jobs(t: GithubTestApp) {
  return t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
}

export async function records(t: GithubTestApp, tenant: string) {
  return t.app.audit.store.range(tenant, 1, 1000);
}
