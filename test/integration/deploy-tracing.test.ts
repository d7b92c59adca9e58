// OpenTelemetry: off by default; with OTEL_EXPORTER_OTLP_ENDPOINT set, one trace runs from the signed Slack request
// through the dispatcher into the BullMQ job (its context carried in the job data) and is exported over OTLP/HTTP
// to a collector (a fake one on loopback here).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observabilityModule } from '../../bot/observability.js';
import { flushTracing } from '../../bot/tracing.js';
import { REDIS_URL } from '../helpers/app.js';
import { postSlack, slashForm } from '../helpers/slack.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';

interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
}

let collector: Server;
const spans: ExportedSpan[] = [];
const resources: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{ resource: Record<string, unknown>; scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
        };
        for (const rs of body.resourceSpans) {
          resources.push(rs.resource);
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => new Promise<void>((r) => collector.close(() => r())));

describe('tracing', () => {
  let t: SlackTestApp | undefined;
  afterAll(async () => t?.stop());

  it('exports one trace from the inbound request through the dispatcher into the job', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    t = await startSlackApp({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'void-test' },
      before: [observabilityModule()],
    });
    const events = new QueueEvents(t.app.queue.name, { connection: { url: REDIS_URL }, prefix: t.prefix });
    await events.waitUntilReady();
    const completed = new Promise<string>((resolve) => events.once('completed', ({ jobId }) => resolve(jobId)));
    const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await postSlack(t.url, {
      body: slashForm({ text: 'review acme/api#42' }),
      headers: { traceparent: `00-${parentTrace}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    const jobId = await completed;
    await events.close();

    const job = await t.app.queue.queue.getJob(jobId);
    expect(job?.data.trace?.traceparent).toMatch(new RegExp(`^00-${parentTrace}-[0-9a-f]{16}-01$`));
    await flushTracing();

    const trace = spans.filter((s) => s.traceId === parentTrace);
    const byName = (name: string) => trace.find((s) => s.name === name);
    const server = byName('POST /slack/events');
    const intake = byName('void.intake slack');
    const dispatch = byName('void.dispatch');
    const jobSpan = byName('void.job review');
    expect(server?.parentSpanId).toBe('00f067aa0ba902b7');
    // The request is acked once queued; the worker's intake span carries the trace on to the dispatcher.
    expect(intake?.parentSpanId).toBe(server?.spanId);
    expect(dispatch?.parentSpanId).toBe(intake?.spanId);
    expect(jobSpan).toBeDefined();
    expect(trace.map((s) => s.spanId)).toContain(jobSpan?.parentSpanId);
    // The worker's replies to Slack (the fake Web API) are CLIENT spans (kind 3) inside the same trace.
    const outbound = trace.filter((s) => s.name === 'POST slack' && s.kind === 3);
    expect(outbound.length).toBeGreaterThanOrEqual(1);
    expect(outbound.every((s) => trace.some((p) => p.spanId === s.parentSpanId))).toBe(true);
    expect(JSON.stringify(resources)).toContain('void-test');
  });
});
