// Done-when of issue 10: after a conversation (real signed Slack requests into Void's real endpoint, a job through
// BullMQ and the worker), GET /metrics shows the counters moved; /metrics is closed without the token.
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents } from 'bullmq';
import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { observabilityModule } from '../../bot/observability.js';
import { REDIS_URL, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { valueOf, hasSeries } from '../helpers/metrics.js';
import { BOT_TOKEN, SIGNING_SECRET, postSlack, slashForm } from '../helpers/slack.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';

const METRICS_TOKEN = 'metrics-token-5d1c9b7a3e';
let running: TestApp[] = [];
afterEach(async () => {
  await Promise.all(running.map((t) => t.stop()));
  running = [];
});

async function scrape(
  url: string,
  token: string | null = METRICS_TOKEN,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function slackFinalReply(t: SlackTestApp): Promise<unknown> {
  const done = (c: { params: Record<string, unknown> }) => String(c.params.text ?? '').includes('review done');
  return Promise.any([t.fake.waitFor('chat.update', done), t.fake.waitFor('chat.postMessage', done)]);
}

describe('GET /metrics after a conversation', () => {
  it('shows inbound requests, commands, the job, audit appends and queue depth moved', async () => {
    const t = await startSlackApp({ env: { METRICS_TOKEN }, before: [observabilityModule()] });
    running.push(t);
    const events = new QueueEvents(t.app.queue.name, { connection: { url: REDIS_URL }, prefix: t.prefix });
    await events.waitUntilReady();
    const completed = new Promise<void>((resolve) => events.once('completed', () => resolve()));
    const before = (await scrape(t.url)).text;

    expect((await postSlack(t.url, { body: slashForm({ text: 'review acme/api#42' }) })).status).toBe(200);
    await slackFinalReply(t);
    await completed;
    await events.close();
    expect((await postSlack(t.url, { body: slashForm({ text: 'frobnicate the servers' }) })).status).toBe(200);
    expect(
      (await postSlack(t.url, { body: slashForm({ text: 'status' }), secret: 'not-the-signing-secret' })).status,
    ).toBe(401);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await t.settled();

    const after = await scrape(t.url);
    expect(after.status).toBe(200);
    expect(after.headers.get('content-type')).toContain('text/plain');
    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after.text, name, labels) - valueOf(before, name, labels);
    const slack = { platform: 'slack', route: '/slack/events' };
    expect(delta('void_inbound_requests_total', { ...slack, outcome: 'ok' })).toBe(2);
    expect(delta('void_inbound_requests_total', { ...slack, outcome: 'unauthenticated' })).toBe(1);
    expect(delta('void_ack_latency_seconds_count', slack)).toBe(3);
    expect(delta('void_inbound_requests_total', { platform: 'http', route: '/readyz', outcome: 'ok' })).toBe(1);
    expect(delta('void_commands_total', { platform: 'slack', outcome: 'accepted' })).toBe(1);
    expect(delta('void_commands_total', { platform: 'slack', outcome: 'usage' })).toBe(1);
    expect(delta('void_jobs_total', { kind: 'review', outcome: 'completed' })).toBe(1);
    expect(delta('void_job_duration_seconds_count', { kind: 'review', outcome: 'completed' })).toBe(1);
    expect(delta('void_audit_append_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(delta('void_audit_append_failures_total')).toBe(0);
    expect(hasSeries(after.text, 'void_queue_depth', { queue: t.app.queue.name, state: 'waiting' })).toBe(true);
    expect(valueOf(after.text, 'void_queue_depth', { queue: t.app.queue.name, state: 'completed' })).toBe(0);
    // The intake: every acked request handled by now, none failed.
    for (const state of ['waiting', 'active', 'failed']) {
      expect(hasSeries(after.text, 'void_queue_depth', { queue: t.app.intake.name, state })).toBe(true);
      expect(valueOf(after.text, 'void_queue_depth', { queue: t.app.intake.name, state })).toBe(0);
    }
    expect(hasSeries(after.text, 'void_process_resident_memory_bytes')).toBe(true);
    // Outbound calls to Slack's Web API (the fake, named by SLACK_API_URL) are counted without the adapter's help.
    expect(delta('void_outbound_requests_total', { platform: 'slack', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(delta('void_outbound_request_duration_seconds_count', { platform: 'slack' })).toBeGreaterThanOrEqual(2);
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, METRICS_TOKEN]) expect(after.text).not.toContain(secret);
  });

  it('counts 429s from a platform apart', async () => {
    const t = await startSlackApp({ env: { METRICS_TOKEN }, before: [observabilityModule()] });
    running.push(t);
    t.fake.script('conversations.info', () => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { ok: false, error: 'ratelimited' },
    }));
    const before = (await scrape(t.url)).text;
    expect((await fetch(`${t.fake.apiUrl}conversations.info`, { method: 'POST' })).status).toBe(429);
    const after = (await scrape(t.url)).text;
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('void_outbound_rate_limited_total', { platform: 'slack' })).toBe(1);
    expect(delta('void_outbound_requests_total', { platform: 'slack', outcome: 'rate_limited' })).toBe(1);
  });

  it(
    "counts GitHub's 403 rate limits (secondary and primary) as rate limited, " + 'and a plain 403 as a client error',
    async () => {
      // GitHub on loopback: a secondary limit (403 + retry-after), a primary one (403 + x-ratelimit-remaining: 0),
      // a permission 403.
      const github: Server = createServer((req, res) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (req.url?.includes('secondary')) headers['retry-after'] = '60';
        if (req.url?.includes('primary'))
          Object.assign(headers, {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 60),
          });
        res.writeHead(403, headers).end(
          JSON.stringify({
            message: req.url?.includes('secondary') ? 'You have exceeded a secondary rate limit.' : 'Forbidden',
          }),
        );
      });
      github.listen(0, '127.0.0.1');
      await once(github, 'listening');
      const base = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
      const t = await startTestApp({
        config: testConfig({ env: { METRICS_TOKEN, GITHUB_API_URL: base } }),
        modules: [observabilityModule()],
      });
      running.push({
        ...t,
        stop: async () => {
          await t.stop();
          github.close();
        },
      });
      const before = (await scrape(t.url)).text;
      // Octokit (fetch, as Void's GitHub client) meets the secondary limit; a node:http client (as axios)
      // the primary one.
      const octokit = new Octokit({ baseUrl: base, request: { retries: 0 } });
      await expect(
        octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'secondary' }),
      ).rejects.toMatchObject({ status: 403 });
      await expect(
        octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'denied' }),
      ).rejects.toMatchObject({ status: 403 });
      await new Promise<void>((resolve, reject) =>
        httpRequest(`${base}/repos/acme/primary`, (res) => res.resume().on('end', resolve))
          .on('error', reject)
          .end(),
      );
      const after = (await scrape(t.url)).text;
      const delta = (name: string, labels: Record<string, string>) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      expect(delta('void_outbound_rate_limited_total', { platform: 'github' })).toBe(2);
      expect(delta('void_outbound_requests_total', { platform: 'github', outcome: 'rate_limited' })).toBe(2);
      expect(delta('void_outbound_requests_total', { platform: 'github', outcome: 'client_error' })).toBe(1);
    },
  );

  it('answers 401 without the bearer token or with a wrong one', async () => {
    const t = await startTestApp({ config: testConfig({ env: { METRICS_TOKEN } }), modules: [observabilityModule()] });
    running.push(t);
    const missing = await scrape(t.url, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(JSON.parse(missing.text)).toMatchObject({ error: 'metrics.unauthorized' });
    expect((await scrape(t.url, 'metrics-token-5d1c9b7a3X')).status).toBe(401);
    expect((await scrape(t.url, `${METRICS_TOKEN}extra`)).status).toBe(401);
    expect((await scrape(t.url)).status).toBe(200);
  });
});

describe('metrics without a token', () => {
  it('refuses on the web port and explains how to turn metrics on', async () => {
    const t = await startTestApp({ modules: [observabilityModule()] });
    running.push(t);
    const res = await scrape(t.url, null);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'metrics.not_configured' });
    expect(JSON.parse(res.text).message).toContain('METRICS_TOKEN');
  });

  it('serves a worker-role process on a loopback METRICS_PORT, with /healthz', async () => {
    const module = observabilityModule();
    const t = await startTestApp({
      role: 'worker',
      config: testConfig({ env: { METRICS_PORT: '0' } }),
      modules: [module],
    });
    running.push(t);
    expect(t.app.port).toBeUndefined();
    const url = `http://127.0.0.1:${module.metricsPort()}`;
    const res = await scrape(url, null);
    expect(res.status).toBe(200);
    expect(hasSeries(res.text, 'void_queue_depth', { queue: t.app.queue.name })).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('requires the token on METRICS_PORT too when one is configured', async () => {
    const module = observabilityModule();
    const t = await startTestApp({
      role: 'worker',
      config: testConfig({ env: { METRICS_PORT: '0', METRICS_TOKEN } }),
      modules: [module],
    });
    running.push(t);
    const url = `http://127.0.0.1:${module.metricsPort()}`;
    expect((await scrape(url, null)).status).toBe(401);
    expect((await scrape(url)).status).toBe(200);
  });

  it('refuses to start a metrics listener on a public address without a token', async () => {
    await expect(
      startTestApp({
        role: 'worker',
        config: testConfig({ env: { METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' } }),
        modules: [observabilityModule()],
      }),
    ).rejects.toMatchObject({ code: 'metrics.unprotected' });
  });
});
