// RELIABILITY.md item 26: configured secrets never appear in logs, replies, audit records or HTTP answers. One Void
// process with every module and every secret configured holds a conversation on every platform: requests, an
// approval decided in Slack and one in Teams, deploy jobs whose GitHub call is refused (403, a failing outbound
// call), a review whose model calls cannot reach the provider, refused signatures, the metrics and audit APIs. The
// log is captured with NO scrubbing (captureLogger([])), so the value scrubber cannot hide a leak from this test; then
// every log line, every message sent to the fake platforms, every audit record and every HTTP answer is searched for
// every secret value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTokenStore } from '../../audit/tokens.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { secretValues } from '../../bot/config/env.js';
import { approvalCard } from '../../bot/teams/cards.js';
import {
  authHeaders,
  flipped,
  METRICS_TOKEN,
  PEPPER,
  post,
  startAbuseApp,
  type AbuseApp,
  type Endpoint,
} from '../helpers/abuse.js';
import { prComment } from '../helpers/github.js';
import { fixture as jiraFixture, JIRA_TOKEN } from '../helpers/jira.js';
import { ACME_TEAM, fixture as slackFixture, interactionForm, postSlack, slashForm, USERS } from '../helpers/slack.js';
import { AAD, cardClick, fixture as teamsFixture } from '../helpers/teams.js';

let a: AbuseApp;
const answers: string[] = [];

beforeAll(async () => {
  a = await startAbuseApp();
  a.intercept();
});
afterAll(async () => a?.stop());

async function send(endpoint: Endpoint, body: string, extra: Record<string, string> = {}): Promise<number> {
  const res = await post(a, endpoint, body, { ...(await authHeaders(a, endpoint, body)), ...extra });
  answers.push(res.text);
  return res.status;
}

function slackClick(user: string, approvalId: string): string {
  return interactionForm({
    ...slackFixture('block-actions.json'),
    team: { id: ACME_TEAM, domain: 'acme' },
    user: { id: user, username: user, team_id: ACME_TEAM },
    container: { type: 'message', message_ts: '1700000100.000200', channel_id: 'C0DEPLOYS', is_ephemeral: false },
    channel: { id: 'C0DEPLOYS', name: 'deploys' },
    message: {
      type: 'message',
      bot_id: 'B0VOID0001',
      text: 'approval',
      ts: '1700000100.000200',
      thread_ts: '1700000100.000100',
    },
    actions: [
      {
        action_id: 'void_approve',
        block_id: 'decide',
        type: 'button',
        value: approvalId,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

const withResponseUrl = (form: string) =>
  form.replace(
    encodeURIComponent('https://hooks.slack.com/commands/1234/5678'),
    encodeURIComponent(`${a.slack.url}/commands/1234/5678`),
  );

async function pendingIds(): Promise<Set<string>> {
  return new Set(((await a.app.provided('approvals')?.pendingFor('acme', 'carol')) ?? []).map((c) => c.id));
}

/**
 * Slack: whoami, a deploy that needs approval, Alice's own click refused, Carol approves; the job's GitHub call fails.
 */
async function slackConversation(): Promise<void> {
  for (const text of ['whoami', 'deploy payments to staging']) {
    const res = await postSlack(a.url, { body: withResponseUrl(slashForm({ text, user: USERS.alice })) });
    answers.push(res.text);
    expect(res.status).toBe(200);
  }
  await a.quiet();
  const [id] = await pendingIds();
  expect(id).toBeDefined();
  for (const user of [USERS.alice, USERS.carol])
    answers.push((await postSlack(a.url, { body: slackClick(user, id as string) })).text);
}

/** Teams: whoami, a deploy asked in Teams and approved by Carol's card click. */
async function teamsConversation(): Promise<void> {
  const before = await pendingIds();
  for (const text of ['whoami', 'deploy payments to staging']) {
    expect(
      await send('teams', JSON.stringify(teamsFixture('personal-message', { serviceUrl: a.connector.url, text }))),
    ).toBe(200);
  }
  await a.quiet();
  const id = [...(await pendingIds())].find((x) => !before.has(x)) as string;
  expect(id).toBeDefined();
  const card = await a.app.provided('approvals')?.get('acme', id);
  const action = (
    approvalCard(card as NonNullable<typeof card>).actions as Array<{
      verb: 'void.approve' | 'void.reject';
      data: { approvalId: string };
    }>
  )[0];
  const click = cardClick({
    serviceUrl: a.connector.url,
    aadObjectId: AAD.carol,
    verb: 'void.approve',
    approvalId: action?.data.approvalId ?? id,
  });
  expect(await send('teams', JSON.stringify(click))).toBe(200);
}

async function githubAndJira(): Promise<void> {
  // GitHub writes are paced at one a second (throttling plugin): one command, whose review job also fails on the model.
  for (const text of ['/void review']) {
    expect(await send('github', JSON.stringify(prComment(text)), { 'x-github-event': 'issue_comment' })).toBeLessThan(
      300,
    );
  }
  expect(
    await send(
      'jira',
      JSON.stringify(
        jiraFixture('comment_created', (p) => ((p.issue.key = 'PAY-1'), (p.comment.body = '/void whoami'))),
      ),
    ),
  ).toBeLessThan(300);
}

/** Refused requests, and the two token-protected APIs. */
async function refusalsAndApis(): Promise<void> {
  for (const endpoint of ['slack', 'github', 'jira', 'teams'] as const) {
    const body = endpoint === 'slack' ? slashForm({ text: 'whoami' }) : '{"x":1}';
    answers.push((await post(a, endpoint, body, flipped(await authHeaders(a, endpoint, body), endpoint))).text);
  }
  for (const auth of [`Bearer ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`])
    answers.push(await (await fetch(`${a.url}/metrics`, { headers: { authorization: auth } })).text());
  const created = await new AuditTokenStore(a.app.redis, a.prefix, PEPPER).create(a.app.registry, 'acme', 'dave');
  if (!created.ok) throw new Error(created.refusal.message);
  for (const path of ['audit', 'audit/verify', 'audit/export']) {
    answers.push(
      await (
        await fetch(`${a.url}/api/tenants/acme/${path}`, {
          headers: { authorization: `Bearer ${created.value.token}` },
        })
      ).text(),
    );
  }
}

function leaksIn(places: Record<string, string>, secrets: readonly string[]): string[] {
  return Object.entries(places).flatMap(([place, text]) =>
    secrets.filter((s) => text.includes(s)).map((s) => `${place}: ${s.slice(0, 12)}…`),
  );
}

describe('26: no configured secret anywhere', () => {
  it(
    'in logs, platform messages, audit records and HTTP answers after a conversation on every platform',
    { timeout: 60_000 },
    async () => {
      await slackConversation();
      await teamsConversation();
      await githubAndJira();
      await refusalsAndApis();
      await a.quiet();

      // The conversation really happened: two deploys ran and failed on GitHub's 403, replies reached every platform.
      const deploys = (await a.app.queue.recent('acme', 50)).filter((j) => j.kind === 'deploy');
      expect(deploys.map((j) => j.state)).toEqual(['failed', 'failed']);
      expect(a.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/deployments'))).toHaveLength(2);
      expect(a.slack.calls.length).toBeGreaterThan(3);
      expect(a.connector.calls.length).toBeGreaterThan(2);
      expect(a.jira.writes().length).toBeGreaterThan(0);
      // The failed outbound call and the refused signatures were logged (the lines a leak would most likely be in).
      expect(a.logLines.join('')).toMatch(/octokit error[\s\S]*/);
      expect(a.logLines.filter((l) => /signature|authentication/.test(l)).length).toBeGreaterThanOrEqual(3);

      const records = [
        ...(await a.app.audit.store.range('acme', 1, 5000)),
        ...(await a.app.audit.store.range('globex', 1, 5000)),
        ...(await a.app.audit.store.range(SYSTEM_TENANT, 1, 5000)),
      ];
      expect(records.map((r) => r.action)).toEqual(
        expect.arrayContaining(['approval.decided', 'job.failed', 'security.bad_signature']),
      );
      const places: Record<string, string> = {
        logs: a.logLines.join(''),
        'Slack messages': JSON.stringify(a.slack.calls.map((c) => c.params)),
        'GitHub messages': JSON.stringify(a.github.calls.map((c) => [c.path, c.body])),
        'Teams messages': JSON.stringify(a.connector.calls.map((c) => [c.path, c.body])),
        'JIRA messages': JSON.stringify(a.jira.writes().map((c) => [c.path, c.body])),
        'audit records': JSON.stringify(records),
        'HTTP answers': answers.join('\n'),
      };
      const jiraBasic = Buffer.from(`void-bot@acme.example:${JIRA_TOKEN}`).toString('base64');
      const secrets = [
        ...a.secrets,
        jiraBasic,
        ...a.secrets.flatMap((s) => (s.includes('\n') ? s.split('\n').filter((line) => line.length > 40) : [])),
      ];
      // Every secret the process knows of is searched for, and the search finds a planted one.
      expect(secrets).toEqual(expect.arrayContaining(secretValues(a.app.config.env)));
      expect(leaksIn({ planted: `x ${METRICS_TOKEN} y` }, secrets)).toEqual([
        `planted: ${METRICS_TOKEN.slice(0, 12)}…`,
      ]);
      expect(leaksIn(places, secrets)).toEqual([]);
    },
  );
});
