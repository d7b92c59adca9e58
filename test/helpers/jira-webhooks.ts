// Set-up shared by the JIRA webhook tests (jira-webhooks*.test.ts, jira-comments.test.ts): before each test a fresh
// FakeJira with ticket PAY-12 (label void:triage) and a test app with the JIRA module and agents that record the jobs
// they are given; after it, the app stops. `start(extra)` starts it again with more modules (an approval gate).
// Deliveries are acked once queued (202); the app runs its own intake worker, and `send` waits for it.
import { afterEach, beforeEach } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import type { VoidModule } from '../../bot/modules.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from './app.js';
import { deliver, FakeJira, JIRA_ENV, JIRA_TENANTS, jiraModule, type Delivery } from './jira.js';
import { recordingAgents } from './jira-agents.js';

export function useJiraWebhookApp() {
  const s = {
    t: undefined as unknown as TestApp,
    jira: undefined as unknown as FakeJira,
    runs: [] as JobData[],
    logLines: [] as string[],
    async start(extra: VoidModule[] = []): Promise<void> {
      s.runs = [];
      const config = testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
      const { log, lines } = captureAppLogger(config);
      s.logLines = lines;
      s.t = await startTestApp({ config, modules: [jiraModule, recordingAgents(s.runs), ...extra], log });
    },
    /** Waits until the intake worker has handled every delivery acked so far (the ack is `202` once queued). */
    settled: () => s.t.app.intake.settled(),
    /** Delivers like JIRA Cloud, then waits for the worker: the HTTP answer, and what the worker did with it. */
    send: (payload: unknown, options: DeliveryOptions) => deliverHandled(s.t, payload, options, s.logLines),
    /** The tenant's audit records so far. */
    records(tenantId: string) {
      return s.t.app.audit.store.range(tenantId, 1, 1000);
    },
  };
  beforeEach(async () => {
    s.jira = new FakeJira().install();
    s.jira.addIssue('PAY-12', { labels: ['void:triage'] });
    await s.start();
  });
  afterEach(async () => {
    await s.t.stop();
  });
  return s;
}

/** A fresh X-Atlassian-Webhook-Identifier. */
export const id = () => `wh-${Math.random().toString(36).slice(2, 12)}`;

type DeliveryOptions = NonNullable<Parameters<typeof deliver>[2]> & { id: string };

/** Delivers like JIRA Cloud to a test app (acked `202` once queued), then waits until the app's own intake worker has
 *  handled it; `handled` is what the worker did with it, read from the app's log `lines` (captureAppLogger). */
export async function deliverHandled(
  t: TestApp,
  payload: unknown,
  options: DeliveryOptions,
  lines: readonly string[] = [],
): Promise<Delivery & { handled: Record<string, unknown> | undefined }> {
  const res = await deliver(t.url, payload, options);
  // A delivery that would do nothing is answered in the ack (`ignored`), with nothing queued.
  if (res.status === 200 && typeof res.body?.ignored === 'string') return { ...res, handled: res.body };
  await t.app.intake.settled();
  return { ...res, handled: handled(lines, options.id) };
}

/** What the worker did with a delivery (its `JIRA delivery handled` log line: `{ fired }`, `{ ignored }`, …), from the
 *  lines of a test app's log (captureAppLogger, level debug); undefined if it has not handled it. */
export function handled(lines: readonly string[], deliveryId: string): Record<string, unknown> | undefined {
  const line = lines
    .map((l) => JSON.parse(l) as { msg?: string; deliveryId?: string; outcome?: Record<string, unknown> })
    .findLast((l) => l.msg === 'JIRA delivery handled' && l.deliveryId === deliveryId);
  return line?.outcome;
}
