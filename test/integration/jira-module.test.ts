// How the JIRA module wires itself from the configuration: nothing (and no noise) without JIRA settings; the route
// without credentials; ports, chat and commands once a tenant has credentials.
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, testConfig, trackApps, type TestApp } from '../helpers/app.js';
import { deliver, fixture, JIRA_ENV, JIRA_SECRET, JIRA_TENANTS, jiraModule } from '../helpers/jira.js';

const { start } = trackApps(afterEach);

const say = (app: TestApp, text: string) =>
  app.app.dispatcher.dispatch({
    platform: 'console',
    workspaceId: 'acme',
    platformUserId: 'alice',
    text,
    thread: { platform: 'console', channel: 's' },
    deliveryId: `d-${Math.random()}`,
  });

describe('jira module wiring', () => {
  it(
    'without JIRA settings: no route, no ports, no warnings, ' + 'and "jira" commands say the integration is off',
    async () => {
      const { log, lines } = captureLogger([], 'warn');
      const t = await start({ config: testConfig(), modules: [jiraModule], log });
      expect((await deliver(t.url, fixture('issue_created'), { id: 'x' })).status).toBe(404);
      expect(t.app.provided('tickets')).toBeUndefined();
      expect(t.app.chat.has('jira')).toBe(false);
      expect((await say(t, 'jira show PAY-1')).replies[0]?.text).toContain('The JIRA integration is not enabled');
      expect(lines.filter((l) => l.includes('"module":"jira"'))).toEqual([]);
    },
  );

  it(
    'with the webhook secret but no API credentials: ' +
      'the route answers, and the operator is warned once per tenant',
    async () => {
      const { log, lines } = captureLogger([JIRA_SECRET], 'warn');
      const t = await start({
        config: testConfig({ yaml: JIRA_TENANTS, env: { JIRA_WEBHOOK_SECRET_ACME: JIRA_SECRET } }),
        modules: [jiraModule],
        log,
      });
      expect(
        lines.filter((l) => l.includes('JIRA site bound without API credentials')).map((l) => JSON.parse(l).tenant),
      ).toEqual(['acme', 'globex']);
      expect(
        lines.filter((l) => l.includes('JIRA site bound without a webhook secret')).map((l) => JSON.parse(l).tenant),
      ).toEqual(['globex']);
      expect(
        (
          await deliver(
            t.url,
            fixture('comment_created', (p) => void (p.comment.body = '/void whoami')),
            { id: 'y' },
          )
        ).status,
      ).toBe(202);
      await t.app.intake.settled();
      expect(lines.some((l) => l.includes('no JIRA credentials: a reply could not be posted'))).toBe(true);
      expect(t.app.provided('tickets')).toBeUndefined();
    },
  );

  it('with credentials: TicketPort, JIRA chat port, jira commands and the pull request listener', async () => {
    const t = await start({ config: testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV }), modules: [jiraModule] });
    expect(t.app.provided('tickets')).toBeDefined();
    expect(t.app.chat.has('jira')).toBe(true);
    expect(t.app.provided('pullRequestListeners')).toHaveLength(1);
    expect((await say(t, 'jira show OPS-1')).replies[0]?.text).toContain(
      "OPS is not one of Acme Payments's JIRA projects",
    );
  });
});
