// Dashboard pages through real HTTP into a real Void process: what moves. Job progress arrives on the event stream,
// a failed job is retried by its requester (recorded), the inbox shows new requests live without holding up
// shutdown, and the system page is for admins. The set-up is in helpers/dashboard-pages.ts.
import { describe, expect, it } from 'vitest';
import { consoleUser, say } from '../helpers/approvals.js';
import { signInByLink, WebClient } from '../helpers/dashboard.js';
import { useDashboardPagesApp } from '../helpers/dashboard-pages.js';

const s = useDashboardPagesApp();

describe('dashboard pages: jobs, live streams and the system page', () => {
  it('jobs: progress arrives on the event stream within a second, without reloading', async () => {
    const id = await s.requestDeploy();
    const carol = await signInByLink(s.t, consoleUser('carol'));
    const controller = new AbortController();
    const res = await fetch(`${s.t.url}/dashboard/t/acme/events?topic=jobs`, {
      headers: { cookie: carol.cookie ?? '' },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const waitFor = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!seen.includes(needle) && Date.now() < deadline)
        seen += new TextDecoder().decode((await reader.read()).value);
      return seen.includes(needle);
    };
    expect(await waitFor('event: jobs')).toBe(true);
    await say(s.t.app, consoleUser('bob'), `approve ${id}`);
    await say(s.t.app, consoleUser('carol'), `approve ${id}`);
    const started = Date.now();
    expect(await waitFor('building the image')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(seen).toContain(`deploy-appr-acme-${id}`);
    controller.abort();
  });

  it(
    'jobs: a failed job can be retried by its requester ' + '(not by others without devops or admin), recorded',
    async () => {
      const id = await s.requestDeploy('critical');
      await say(s.t.app, consoleUser('bob'), `approve ${id}`);
      await say(s.t.app, consoleUser('carol'), `approve ${id}`);
      const jobId = `deploy-appr-acme-${id}`;
      await expect
        .poll(async () => (await s.t.app.queue.summary('acme', jobId))?.state, { timeout: 8000 })
        .toBe('failed');
      const dave = await signInByLink(s.t, consoleUser('dave'));
      const davesPage = await dave.request('/dashboard/t/acme/jobs?state=failed');
      expect(davesPage.text).toContain(jobId);
      expect(davesPage.text).not.toContain(`/jobs/${jobId}/retry`);
      expect(
        (
          await dave.request(`/dashboard/t/acme/jobs/${jobId}/retry`, {
            form: { _csrf: WebClient.csrfOf(davesPage.text) },
          })
        ).status,
      ).toBe(403);
      const alice = await signInByLink(s.t, consoleUser('alice'));
      const page = await alice.request('/dashboard/t/acme/jobs');
      expect(page.text).toContain(`/jobs/${jobId}/retry`);
      const retried = await alice.request(`/dashboard/t/acme/jobs/${jobId}/retry`, {
        form: { _csrf: WebClient.csrfOf(page.text) },
      });
      expect(retried.status).toBe(303);
      await expect
        .poll(async () => (await s.t.app.queue.summary('acme', jobId))?.attemptsMade, { timeout: 8000 })
        .toBe(2);
      const queued = (await s.trail()).filter((r) => r.action === 'job.queued' && r.details?.retry === true);
      expect(queued.map((r) => [r.actor.memberId, r.actor.platform, r.target])).toEqual([['alice', 'web', jobId]]);
      expect(
        (
          await alice.request('/dashboard/t/acme/jobs/deploy-nope/retry', {
            form: { _csrf: WebClient.csrfOf(page.text) },
          })
        ).status,
      ).toBe(404);
    },
  );

  it('the inbox stream shows a new request live, and an open stream does not hold up shutdown', async () => {
    const bob = await signInByLink(s.t, consoleUser('bob'));
    const res = await fetch(`${s.t.url}/dashboard/t/acme/events?topic=inbox`, {
      headers: { cookie: bob.cookie ?? '' },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const waitFor = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!seen.includes(needle) && Date.now() < deadline)
        seen += new TextDecoder().decode((await reader.read()).value);
      return seen.includes(needle);
    };
    expect(await waitFor('Waiting for your decision (0)')).toBe(true);
    const id = await s.requestDeploy();
    expect(await waitFor(id)).toBe(true);
    const stopping = Date.now();
    await s.t.app.http?.close();
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect((await reader.read()).done).toBe(true);
  });

  it("system: admins only; queue, workers and today's model spend of the tenant", async () => {
    const redis = s.t.app.redis;
    await redis.hset(
      `${s.t.prefix}:llm:budget:acme:${new Date().toISOString().slice(0, 10)}`,
      'tokens',
      '1234',
      'microUsd',
      '560000',
    );
    const bob = await signInByLink(s.t, consoleUser('bob'));
    expect((await bob.request('/dashboard/t/acme/system')).status).toBe(403);
    const erin = await signInByLink(s.t, consoleUser('erin'));
    const page = await erin.request('/dashboard/t/acme/system');
    expect(page.status).toBe(200);
    expect(page.text).toContain('1234 tokens (no token budget); $0.56 (no cost budget)');
    expect(page.text).toMatch(/Workers connected<\/dt><dd>[1-9]/);
  });
});
