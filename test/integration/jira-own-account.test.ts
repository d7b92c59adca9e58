// Void recognises its own JIRA account without being told: at start it asks each tenant's site who its API
// credentials belong to (GET /rest/api/3/myself), and a transition made by that account (Void moving a ticket along
// with its pull request) is not taken for a person's and fires no rule. `automation.botAccountIds`, when given, still
// counts. Signed webhooks over real HTTP; JIRA is the stateful fake behind nock; Redis is real.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../agents/queues.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { BOB_JIRA, FakeJira, fixture, JIRA_ENV, JIRA_TENANTS, VOID_JIRA, jiraModule } from '../helpers/jira.js';
import { recordingAgents } from '../helpers/jira-agents.js';
import { deliverHandled } from '../helpers/jira-webhooks.js';

const OTHER_BOT = '712020:automation-for-jira-0000-000000000002';
const WITHOUT_IDS = JIRA_TENANTS.replace(`      botAccountIds: ['${VOID_JIRA}']\n`, '');

let t: TestApp | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

let n = 0;
const id = () => `wh-own-${Date.now()}-${++n}`;
/** JIRA's webhook for "moved to In Progress" (label void:implement), made by `accountId`. */
const transitionBy = (accountId: string) =>
  fixture('issue_updated_transition', (p) => void (p.user.accountId = accountId));

let logLines: string[] = [];
async function start(yaml: string, runs: JobData[]): Promise<string[]> {
  const config = testConfig({ yaml, env: JIRA_ENV });
  const captured = captureAppLogger(config);
  logLines = captured.lines;
  t = await startTestApp({ config, modules: [jiraModule, recordingAgents(runs)], log: captured.log });
  return logLines;
}

/** Delivers (acked 202 once queued), waits for the worker, and returns what it did with the delivery. */
async function send(payload: unknown) {
  const res = await deliverHandled(t!, payload, { id: id() }, logLines);
  expect(res.status).toBe(202);
  return res.handled;
}

describe("Void's own JIRA account", () => {
  it("is found with /myself at start: its transition fires no rule, a person's same transition does", async () => {
    expect(WITHOUT_IDS).not.toContain('botAccountIds');
    const jira = new FakeJira().install();
    jira.addIssue('PAY-12', { labels: ['void:implement'] });
    const runs: JobData[] = [];
    const lines = await start(WITHOUT_IDS, runs);
    await jira.waitFor(() => jira.myselfCalls.length > 0, 'Void to ask JIRA who it is');
    expect(jira.myselfCalls.map((c) => c.path)).toEqual(['/rest/api/3/myself']);

    expect(await send(transitionBy(VOID_JIRA))).toMatchObject({ ignored: 'own_event' });
    expect((await send(transitionBy(BOB_JIRA)))?.fired).toEqual([{ rule: 'implement-in-progress', duplicate: false }]);
    expect(lines.join('\n')).not.toContain('automation.botAccountIds is empty');
  });

  it('keeps configured botAccountIds (another automation account) alongside the discovered one', async () => {
    const jira = new FakeJira().install();
    jira.addIssue('PAY-12', { labels: ['void:implement'] });
    await start(JIRA_TENANTS.replace(`botAccountIds: ['${VOID_JIRA}']`, `botAccountIds: ['${OTHER_BOT}']`), []);
    expect(await send(transitionBy(OTHER_BOT))).toMatchObject({ ignored: 'own_event' });
    expect(await send(transitionBy(VOID_JIRA))).toMatchObject({ ignored: 'own_event' });
  });

  it(
    'says so in the log when /myself gives no account id; ' +
      'until it can ask again (a minute later) its own transitions are not recognised',
    async () => {
      const jira = new FakeJira().install();
      jira.addIssue('PAY-12', { labels: ['void:implement'] });
      jira.myselfAccountId = '';
      const lines = await start(WITHOUT_IDS, []);
      await jira.waitFor(() => jira.myselfCalls.length > 0, 'the first /myself');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lines.join('\n')).toContain('could not ask /myself');
      jira.myselfAccountId = VOID_JIRA;
      expect((await send(transitionBy(VOID_JIRA)))?.fired).toHaveLength(1);
    },
  );
});
