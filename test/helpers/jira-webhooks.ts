// Set-up shared by the JIRA webhook tests (jira-webhooks*.test.ts, jira-comments.test.ts): before each test a fresh
// FakeJira with ticket PAY-12 (label void:triage) and a test app with the JIRA module and agents that record the jobs
// they are given; after it, the app stops. `start(extra)` starts it again with more modules (an approval gate).
import { afterEach, beforeEach } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import type { VoidModule } from '../../bot/modules.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from './app.js';
import { FakeJira, JIRA_ENV, JIRA_TENANTS, jiraModule } from './jira.js';
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
