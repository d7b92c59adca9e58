// Slack, single-workspace mode: the one bot token belongs to one workspace (auth.test says which). A request signed
// by the app from another workspace, even one bound to another tenant, is neither dispatched nor answered with that
// token: the installation that speaks for a workspace must be that workspace's own.
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { postSlack, slashForm } from '../helpers/slack.js';

let t: SlackTestApp | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('Slack: the workspace must be the one whose installation speaks for it', () => {
  it(
    "a command from globex's workspace is refused " + "when the single bot token is acme's; acme's own is answered",
    async () => {
      // No SLACK_BOT_ID/SLACK_BOT_USER_ID: Void asks auth.test, which names the token's workspace (acme's T0ACME001).
      t = await startSlackApp({ env: { SLACK_BOT_ID: '', SLACK_BOT_USER_ID: '' } });
      const foreign = await postSlack(t.url, {
        body: slashForm({ text: 'whoami', team: 'T0GLOBEX1', user: 'U0GINA001' }),
      });
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.text)).toMatchObject({ error: 'slack.not_installed' });
      await t.settled();
      expect(t.fake.callsOf('chat.postEphemeral')).toEqual([]);
      expect((await t.app.audit.store.range('globex', 1, 100)).filter((r) => r.action === 'command.received')).toEqual(
        [],
      );
      const own = await postSlack(t.url, { body: slashForm({ text: 'whoami' }) });
      expect(own.status).toBe(200);
      expect(JSON.parse(own.text)).toMatchObject({ response_type: 'ephemeral' });
      expect(JSON.parse(own.text).text).toContain('Alice Developer');
    },
  );
});
