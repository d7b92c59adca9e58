// Set-up shared by the Slack endpoint tests (slack-events*.test.ts): a Void process with Slack started before each
// test and stopped after it, the number of jobs it queued, and an app_mention event body built from the fixture.
import { afterEach, beforeEach } from 'vitest';
import { startSlackApp, type SlackTestApp } from './slack-app.js';
import { ACME_TEAM, USERS, fixture } from './slack.js';

export function useSlackApp() {
  const s = {
    t: undefined as unknown as SlackTestApp,
    /** Jobs in the queue in any state. */
    async jobCount(): Promise<number> {
      const counts = await s.t.app.queue.queue.getJobCounts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
  };
  beforeEach(async () => {
    s.t = await startSlackApp();
  });
  afterEach(async () => {
    await s.t.stop();
  });
  return s;
}

/** An app_mention event body (the fixture's) saying `text` to Void, by alice in #deploys unless told otherwise. */
export function mention(
  text: string,
  overrides: { user?: string; team?: string; eventId?: string; threadTs?: string } = {},
): string {
  const body = fixture('app-mention.json') as { event: Record<string, unknown> } & Record<string, unknown>;
  body.team_id = overrides.team ?? ACME_TEAM;
  body.event_id = overrides.eventId ?? `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  body.event = {
    ...body.event,
    user: overrides.user ?? USERS.alice,
    text: `<@U0VOID0001> ${text}`,
    channel: 'C0DEPLOYS',
    ts: '1700000100.000100',
    ...(overrides.threadTs ? { thread_ts: overrides.threadTs } : {}),
  };
  return JSON.stringify(body);
}
