// RELIABILITY.md "Bad input" items 9–11 on every platform of one fully configured Void process: Void's own events and
// unknown event types are answered 2xx and ignored (nothing queued, nothing sent: no loops); any command text Void
// cannot parse is answered with usage help on the platform it came from, never an exception.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../../bot/core/grammar.js';
import { VOID_SENTINEL } from '../../integrations/jira/mapper.js';
import { authHeaders, post, startAbuseApp, type AbuseApp, type Endpoint } from '../helpers/abuse.js';
import { prComment } from '../helpers/github.js';
import { fixture as jiraFixture, VOID_JIRA } from '../helpers/jira.js';
import { ACME_TEAM, BOT_ID, BOT_USER_ID, fixture as slackFixture, slashForm, USERS } from '../helpers/slack.js';
import { BOT_APP_ID, fixture as teamsFixture } from '../helpers/teams.js';

let a: AbuseApp;
beforeAll(async () => {
  a = await startAbuseApp();
});
afterAll(async () => a?.stop());
beforeEach(() => a.intercept());

function slackEvent(event: Record<string, unknown>): string {
  const body = slackFixture('message-im.json');
  return JSON.stringify({
    ...body,
    team_id: ACME_TEAM,
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { ...(body.event as object), ts: `${Date.now() / 1000}`, ...event },
  });
}

async function sendSigned(
  endpoint: Endpoint,
  body: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const headers = { ...(await authHeaders(a, endpoint, body)), ...extra };
  return post(
    a,
    endpoint,
    body,
    endpoint === 'slack' && body.startsWith('{') ? { ...headers, 'content-type': 'application/json' } : headers,
  );
}

async function expectIgnored(endpoint: Endpoint, body: string, extra: Record<string, string> = {}): Promise<void> {
  await a.quiet();
  const jobs = await a.jobs();
  const outbound = a.outbound();
  const res = await sendSigned(endpoint, body, extra);
  expect(res.status, res.text).toBeGreaterThanOrEqual(200);
  expect(res.status, res.text).toBeLessThan(300);
  await a.quiet();
  expect(await a.jobs()).toBe(jobs);
  expect(a.outbound()).toBe(outbound);
}

describe('9: events from Void itself → 2xx, ignored, no loop', () => {
  const cases: Array<[string, Endpoint, () => string, Record<string, string>?]> = [
    [
      'Slack: a message by its bot id',
      'slack',
      () => slackEvent({ text: 'review acme/api#42', bot_id: BOT_ID, user: BOT_USER_ID, subtype: 'bot_message' }),
    ],
    [
      'Slack: a message by its bot user, in a thread',
      'slack',
      () =>
        slackEvent({ text: 'review acme/api#42', bot_id: BOT_ID, user: BOT_USER_ID, thread_ts: '1700000000.000100' }),
    ],
    [
      'GitHub: a comment by a bot account',
      'github',
      () => JSON.stringify({ ...prComment('/void review'), sender: { login: 'void-app[bot]', type: 'Bot', id: 1 } }),
    ],
    [
      "GitHub: a comment carrying Void's marker",
      'github',
      () => JSON.stringify(prComment('/void review\n<!-- void:reply -->')),
    ],
    [
      "JIRA: a comment by Void's account",
      'jira',
      () =>
        JSON.stringify(
          jiraFixture(
            'comment_created',
            (p) => (
              (p.issue.key = 'PAY-1'),
              (p.comment.body = '/void triage'),
              (p.comment.author.accountId = VOID_JIRA)
            ),
          ),
        ),
    ],
    [
      "JIRA: a comment carrying Void's sentinel",
      'jira',
      () =>
        JSON.stringify(
          jiraFixture(
            'comment_created',
            (p) => ((p.issue.key = 'PAY-1'), (p.comment.body = `${VOID_SENTINEL}/void triage`)),
          ),
        ),
    ],
    [
      'Teams: an activity from the bot itself',
      'teams',
      () =>
        JSON.stringify(
          teamsFixture('personal-message', {
            serviceUrl: a.connector.url,
            text: 'review acme/api#42',
            from: { id: `28:${BOT_APP_ID}`, name: 'Void' },
          }),
        ),
    ],
  ];
  it.each(cases)('%s', async (_name, endpoint, body) => {
    await expectIgnored(endpoint, body(), endpoint === 'github' ? { 'x-github-event': 'issue_comment' } : {});
  });
});

describe('10: unknown event types and actions → 2xx, ignored, logged at debug', () => {
  const cases: Array<[string, Endpoint, () => string, Record<string, string>?]> = [
    [
      'Slack: reaction_added',
      'slack',
      () => slackEvent({ type: 'reaction_added', user: USERS.alice, reaction: 'eyes' }),
    ],
    ['Slack: an event type that does not exist', 'slack', () => slackEvent({ type: 'void_test_unknown' })],
    [
      'GitHub: a star event',
      'github',
      () => JSON.stringify({ action: 'created', starred_at: null, installation: { id: 1001 } }),
      { 'x-github-event': 'star' },
    ],
    [
      'GitHub: an unknown issue_comment action',
      'github',
      () => JSON.stringify({ ...prComment('/void review'), action: 'pinned' }),
      { 'x-github-event': 'issue_comment' },
    ],
    [
      'JIRA: jira:version_released',
      'jira',
      () =>
        JSON.stringify({
          ...jiraFixture('issue_created', (p) => (p.issue.key = 'PAY-1')),
          webhookEvent: 'jira:version_released',
        }),
    ],
    [
      'Teams: typing',
      'teams',
      () =>
        JSON.stringify(
          teamsFixture('personal-message', { serviceUrl: a.connector.url, type: 'typing', text: undefined }),
        ),
    ],
    [
      'Teams: an invoke Void does not handle',
      'teams',
      () =>
        JSON.stringify(
          teamsFixture('personal-message', {
            serviceUrl: a.connector.url,
            type: 'invoke',
            name: 'composeExtension/query',
            value: {},
          }),
        ),
    ],
  ];
  it.each(cases)('%s', async (_name, endpoint, body, extra) => {
    const before = a.logLines.length;
    await expectIgnored(endpoint, body(), extra ?? {});
    const levels = a.logLines.slice(before).map((l) => (JSON.parse(l) as { level: number }).level);
    expect(
      levels.filter((l) => l >= 40),
      a.logLines.slice(before).join(''),
    ).toEqual([]);
  });
});

describe('11: command text Void cannot parse → usage help on the platform, never an exception', () => {
  // Any string without a line break that the grammar refuses (the grammar itself is property-tested in
  // test/unit/grammar.test.ts; here the strings travel through every adapter).
  const junk = fc
    .sample(
      fc
        .string({ minLength: 1, maxLength: 60 })
        .filter((s) => !/[\r\n]/.test(s) && s.trim().length > 0 && !parseCommand(`zz${s}`).ok),
      { numRuns: 3, seed: 11 },
    )
    .map((s) => `zz${s}`);
  const usage = (calls: unknown) => /approve|help/i.test(JSON.stringify(calls));

  it.each(junk)('%j on Slack, GitHub, JIRA and Teams', async (text) => {
    await a.quiet();
    const seen = {
      slack: a.slack.calls.length,
      github: a.github.calls.length,
      jira: a.jira.writes().length,
      connector: a.connector.calls.length,
    };
    const slack = slashForm({ text }).replace(
      encodeURIComponent('https://hooks.slack.com/commands/1234/5678'),
      encodeURIComponent(`${a.slack.url}/commands/1234/5678`),
    );
    const answers = [
      await sendSigned('slack', slack),
      await sendSigned('github', JSON.stringify(prComment(`/void ${text}`)), { 'x-github-event': 'issue_comment' }),
      await sendSigned(
        'jira',
        JSON.stringify(
          jiraFixture('comment_created', (p) => ((p.issue.key = 'PAY-1'), (p.comment.body = `/void ${text}`))),
        ),
      ),
      await sendSigned(
        'teams',
        JSON.stringify(teamsFixture('personal-message', { serviceUrl: a.connector.url, text })),
      ),
    ];
    for (const r of answers) expect(r.status, r.text).toBeLessThan(300);
    await a.quiet();
    expect(usage([answers[0]?.text, a.slack.calls.slice(seen.slack)]), 'Slack').toBe(true);
    expect(usage(a.github.calls.slice(seen.github).map((c) => c.body)), 'GitHub').toBe(true);
    expect(usage(a.jira.writes().slice(seen.jira)), 'JIRA').toBe(true);
    expect(usage(a.connector.calls.slice(seen.connector).map((c) => c.body)), 'Teams').toBe(true);
  });
});
