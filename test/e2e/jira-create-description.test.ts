// `jira create … --description "…"` as people type it in Slack (a signed slash command) and in Teams (a signed
// channel mention): the ticket JIRA receives carries the description (line breaks kept) above Void's provenance line,
// the answer links the new ticket, and the text stays out of the audit trail. JIRA is the stateful fake behind nock.
import { afterEach, describe, expect, it } from 'vitest';
import { teamsModule } from '../../bot/teams/module.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { adfText, FakeJira, JIRA_ENV, jiraModule } from '../helpers/jira.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { ACME_TEAM, interactionForm, postSlack, slashForm, USERS } from '../helpers/slack.js';
import {
  AAD,
  cardClick,
  fixture,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';

const DESCRIPTION = 'Steps: open /login on Safari 17.\nPress "Sign in" twice.';

let stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});

/** The ticket's description as a person reads it (hidden marker characters, if any, are not part of what they read). */
const visible = (adf: unknown) => adfText(adf).replace(/[\u200b-\u200f\u2060-\u2064\ufeff]/g, '');

function createdTicket(jira: FakeJira) {
  const create = jira.calls.find((c) => c.method === 'POST' && c.path === '/rest/api/3/issue');
  return create?.body.fields as { summary: string; description: unknown; issuetype: { name: string } } | undefined;
}

describe('jira create with a description', () => {
  it('Slack: /void jira create … --description "…" files the description on the ticket', async () => {
    const jira = new FakeJira().install();
    const t: SlackTestApp = await startSlackApp({ env: JIRA_ENV, after: [jiraModule] });
    stops.push(() => t.stop());
    const text =
      'jira create PAY \u201cLogin fails on Safari\u201d Bug --description \u201cSteps: ' +
      'open /login on Safari 17. Press Sign in twice.\u201d';
    expect((await postSlack(t.url, { body: slashForm({ text }) })).status).toBe(200);
    await jira.waitFor(() => createdTicket(jira) !== undefined, 'the ticket to be created');
    const fields = createdTicket(jira);
    expect(fields?.summary).toBe('Login fails on Safari');
    expect(fields?.issuetype).toEqual({ name: 'Bug' });
    expect(visible(fields?.description)).toBe(
      'Steps: open /login on Safari 17. Press Sign in twice.\n\nCreated from slack by Alice Developer through Void.',
    );
    await t.settled();
    expect(JSON.stringify(t.fake.calls.map((c) => c.params))).toContain(
      'Created PAY-100 (Bug): https://acme.atlassian.net/browse/PAY-100',
    );
    const audit = await t.app.audit.store.range('acme', 1, 100);
    expect(audit.find((r) => r.action === 'jira.ticket_create_requested')?.details).toMatchObject({
      type: 'Bug',
      description: true,
    });
    expect(JSON.stringify(audit)).not.toContain('Safari 17');
  });

  it('Teams: "@Void jira create … --description" keeps the line breaks of the description', async () => {
    const jira = new FakeJira().install();
    const teams: TeamsFakes = await startTeamsFakes();
    stops.push(() => teams.close());
    interceptLogin();
    const t: TestApp = await startTestApp({
      config: testConfig({ env: { ...teamsEnv(teams.openId), ...JIRA_ENV } }),
      modules: [teamsModule, jiraModule],
    });
    stops.push(() => t.stop());
    const activity = fixture('channel-mention', {
      serviceUrl: teams.connector.url,
      text: `<at>Void</at> jira create PAY "Login fails on Safari" --description "${DESCRIPTION.replace(/"/g, '')}"`,
    });
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    expect((await postActivity(t.url, activity, { token })).status).toBe(200);
    await jira.waitFor(() => createdTicket(jira) !== undefined, 'the ticket to be created');
    expect(visible(createdTicket(jira)?.description)).toBe(
      'Steps: open /login on Safari 17.\nPress Sign in twice.\n\nCreated from teams by Alice Developer through Void.',
    );
    await teams.connector.waitFor((calls) =>
      calls.find((c) =>
        String(c.body.text ?? '').includes('Created PAY-100 (Task): https://acme.atlassian.net/browse/PAY-100'),
      ),
    );
  });

  it("says what is wrong with an empty description, in the command's usage", async () => {
    const jira = new FakeJira().install();
    const t: SlackTestApp = await startSlackApp({ env: JIRA_ENV, after: [jiraModule] });
    stops.push(() => t.stop());
    const response = await postSlack(t.url, {
      body: slashForm({ text: 'jira create PAY "Login fails" --description ""' }),
    });
    expect(response.status).toBe(200);
    await t.settled();
    const said = response.text + JSON.stringify(t.fake.calls.map((c) => c.params));
    expect(said).toContain('The description after --description is empty');
    expect(said).toContain('[--description \\"&lt;text&gt;\\"]');
    expect(jira.calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it(
    'Slack: "/void jira create" alone opens a form; ' +
      'submitting it creates the ticket with a multi-line description',
    async () => {
      const jira = new FakeJira().install();
      const t: SlackTestApp = await startSlackApp({ env: JIRA_ENV, after: [jiraModule] });
      stops.push(() => t.stop());
      const trigger = 'trig-form-1';
      expect((await postSlack(t.url, { body: slashForm({ text: 'jira create', trigger }) })).status).toBe(200);
      const [open] = await t.fake.waitFor('views.open');
      expect(open?.params.trigger_id).toBe(trigger);
      const view = (typeof open?.params.view === 'string' ? JSON.parse(open.params.view) : open?.params.view) as {
        callback_id: string;
        private_metadata: string;
        blocks: Array<{ block_id: string; element: { multiline?: boolean; initial_value?: string } }>;
      };
      expect(view.callback_id).toBe('void_jira_create');
      expect(view.blocks.map((b) => b.block_id)).toEqual(['project', 'summary', 'type', 'priority', 'description']);
      expect(view.blocks.find((b) => b.block_id === 'project')?.element.initial_value).toBe('PAY');
      expect(view.blocks.find((b) => b.block_id === 'description')?.element.multiline).toBe(true);
      expect(jira.calls).toEqual([]);

      // Slack's view_submission, as it arrives when the person presses Create.
      const value = (v: string) => ({ type: 'plain_text_input', value: v });
      const submission = {
        type: 'view_submission',
        team: { id: ACME_TEAM, domain: 'acme' },
        user: { id: USERS.alice, team_id: ACME_TEAM },
        api_app_id: 'A0VOID0001',
        trigger_id: 'trig-submit-1',
        view: {
          id: 'V0FORM0001',
          team_id: ACME_TEAM,
          type: 'modal',
          callback_id: 'void_jira_create',
          private_metadata: view.private_metadata,
          state: {
            values: {
              project: { project: value('PAY') },
              summary: { summary: value('Login fails on "Safari"') },
              type: { type: value('Bug') },
              priority: { priority: { type: 'plain_text_input', value: null } },
              description: { description: value('Steps: open /login.\nPress "Sign in" twice.') },
            },
          },
        },
      };
      expect((await postSlack(t.url, { body: interactionForm(submission) })).status).toBe(200);
      await jira.waitFor(() => createdTicket(jira) !== undefined, 'the ticket to be created');
      const fields = createdTicket(jira);
      expect(fields?.summary).toBe('Login fails on \u2019Safari\u2019');
      expect(fields?.issuetype).toEqual({ name: 'Bug' });
      expect(visible(fields?.description)).toBe(
        'Steps: open /login.\nPress \u2019Sign in\u2019 twice.\n\nCreated from slack by Alice Developer through Void.',
      );
      await t.settled();
      const [answer] = await t.fake.waitFor('chat.postEphemeral', (c) =>
        String(c.params.text).includes('Created PAY-100'),
      );
      expect(answer?.params).toMatchObject({ channel: 'C0DEPLOYS', user: USERS.alice });
    },
  );

  it(
    'Teams: "@Void jira create" alone answers with a ticket card; ' +
      'its Create makes the ticket and the card shows the link',
    async () => {
      const jira = new FakeJira().install();
      const teams: TeamsFakes = await startTeamsFakes();
      stops.push(() => teams.close());
      interceptLogin();
      const t: TestApp = await startTestApp({
        config: testConfig({ env: { ...teamsEnv(teams.openId), ...JIRA_ENV } }),
        modules: [teamsModule, jiraModule],
      });
      stops.push(() => t.stop());
      const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
      await postActivity(
        t.url,
        fixture('channel-mention', { serviceUrl: teams.connector.url, text: '<at>Void</at> jira create' }),
        { token },
      );
      const form = await teams.connector.waitFor((calls) =>
        calls.find((c) => JSON.stringify(c.body).includes('void.jira_create')),
      );
      const card = (
        form.body.attachments as Array<{
          contentType: string;
          content: {
            body: Array<{ type: string; id?: string; value?: string; isMultiline?: boolean }>;
            actions: Array<{ type: string; verb: string }>;
          };
        }>
      )[0];
      expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(card?.content.body.filter((e) => e.type === 'Input.Text').map((e) => e.id)).toEqual([
        'project',
        'summary',
        'type',
        'priority',
        'description',
      ]);
      expect(card?.content.body.find((e) => e.id === 'project')?.value).toBe('PAY');
      expect(card?.content.body.find((e) => e.id === 'description')?.isMultiline).toBe(true);
      expect(card?.content.actions).toEqual([
        expect.objectContaining({ type: 'Action.Execute', verb: 'void.jira_create' }),
      ]);
      expect(jira.calls).toEqual([]);

      // Create pressed: Teams sends the inputs as the action's data in an adaptiveCard/action invoke.
      const press = cardClick({
        serviceUrl: teams.connector.url,
        aadObjectId: AAD.alice,
        verb: 'void.approve',
        approvalId: 'unused',
        replyToId: form.responseId,
      });
      const action = (press.value as { action: Record<string, unknown> }).action;
      press.value = {
        ...(press.value as object),
        action: {
          ...action,
          verb: 'void.jira_create',
          title: 'Create',
          data: {
            project: 'PAY',
            summary: 'Login fails on Safari',
            type: '',
            priority: 'High',
            description: 'Steps: open /login.\nPress Sign in twice.',
          },
        },
      };
      const response = await postActivity(t.url, press, { token });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
      expect(JSON.stringify(response.body)).toContain(
        'Created PAY-100 (Task, High): https://acme.atlassian.net/browse/PAY-100',
      );
      expect(visible(createdTicket(jira)?.description)).toBe(
        'Steps: open /login.\nPress Sign in twice.\n\nCreated from teams by Alice Developer through Void.',
      );
      // The same invoke again (a Teams retry) creates nothing more.
      const again = await postActivity(t.url, press, { token });
      expect(JSON.stringify(again.body)).toContain('already submitted');
      expect(jira.calls.filter((c) => c.method === 'POST' && c.path === '/rest/api/3/issue')).toHaveLength(1);
    },
  );
});
