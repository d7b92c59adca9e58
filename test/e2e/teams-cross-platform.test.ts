// Cross-platform separation of duties with the real approvals and Slack modules: Alice asks for a deploy in Slack
// (a signed slash command through /slack/events); she tries to approve it herself from a Teams card and is refused
// (privately, audited); Carol, a devops member, approves it from the Teams card; the job runs once and its result
// reaches the Slack thread where it was asked for.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { approvalCard } from '../../bot/teams/cards.js';
import { teamsModule } from '../../bot/teams/module.js';
import { reviewTestModule, startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { postSlack, slashForm, USERS } from '../helpers/slack.js';
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
  teamsTenantsYaml,
} from '../helpers/teams.js';

let teams: TeamsFakes;
let t: SlackTestApp;

beforeAll(async () => {
  teams = await startTeamsFakes();
  t = await startSlackApp({
    env: teamsEnv(teams.openId),
    yaml: teamsTenantsYaml(),
    before: [approvalsModule()],
    after: [reviewTestModule, teamsModule],
  });
});

afterAll(async () => {
  await t?.stop();
  await teams?.close();
});

beforeEach(() => {
  interceptLogin();
});

/** Clicks a button of the Teams card as rendered for this approval: the click carries exactly the card's data. */
async function clickTeamsCard(approvalId: string, title: 'Approve' | 'Reject', aadObjectId: string) {
  const card = await t.app.provided('approvals')?.get('acme', approvalId);
  if (!card) throw new Error(`no approval ${approvalId}`);
  const actions = approvalCard(card).actions as Array<{
    title: string;
    verb: 'void.approve' | 'void.reject';
    data: { approvalId: string };
  }>;
  const action = actions.find((a) => a.title === title);
  if (!action) throw new Error(`the card has no ${title} button`);
  const activity = cardClick({
    serviceUrl: teams.connector.url,
    aadObjectId,
    verb: action.verb,
    approvalId: action.data.approvalId,
  });
  const response = await postActivity(t.url, activity, {
    token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
  });
  return { ...response, activity };
}

describe('a request made in Slack, decided in Teams', () => {
  it('refuses the requester from Teams and accepts a different eligible member; the job runs once', async () => {
    const asked = await postSlack(t.url, {
      body: slashForm({ text: 'deploy payments to staging', user: USERS.alice }),
    });
    expect(asked.status).toBe(200);
    await t.settled();
    const [pending] = (await t.app.provided('approvals')?.pendingFor('acme', 'carol')) ?? [];
    expect(pending).toMatchObject({
      state: 'pending',
      requester: { memberId: 'alice' },
      summary: expect.stringContaining('deploy payments'),
    });
    const approvalId = pending?.id as string;
    expect(
      (await t.fake.waitFor('chat.postMessage', (c) => JSON.stringify(c.params).includes(approvalId)))[0]?.params
        .channel,
    ).toBe('C0DEPLOYS');

    // Alice (the requester, linked to the same member on Teams) clicks Approve: refused to her alone.
    const own = await clickTeamsCard(approvalId, 'Approve', AAD.alice);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(String((own.body as { value: string }).value)).toContain(
      `You requested ${approvalId} (as Alice Developer, through slack); your teams account is linked to the same ` +
        `person`,
    );
    expect(await t.app.provided('approvals')?.get('acme', approvalId)).toMatchObject({
      state: 'pending',
      decisions: [],
    });

    // Carol (devops) asks Void about it in her Teams chat and gets the request as an Adaptive Card with buttons.
    const personal = fixture('personal-message', {
      serviceUrl: teams.connector.url,
      text: `status ${approvalId}`,
      from: { id: '29:carol', name: 'Carol Ops', aadObjectId: AAD.carol },
    });
    expect(
      (
        await postActivity(t.url, personal, {
          token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
        })
      ).status,
    ).toBe(200);
    const shown = await teams.connector.waitFor((calls) =>
      calls.find((c) => c.method === 'POST' && JSON.stringify(c.body).includes(`"approvalId":"${approvalId}"`)),
    );
    expect(JSON.stringify(shown.body)).toContain('"verb":"void.approve"');
    // She approves from that card: the card she gets back shows the decision; the request is approved.
    const approved = await clickTeamsCard(approvalId, 'Approve', AAD.carol);
    expect(approved.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { actions: [] },
    });
    expect(JSON.stringify(approved.body)).toContain('Carol Ops ✅ approved from teams');
    expect(await t.app.provided('approvals')?.get('acme', approvalId)).toMatchObject({
      state: 'approved',
      decisions: [{ memberId: 'carol', platform: 'teams', decision: 'approve' }],
    });

    // The job runs and reports in the Slack thread where Alice asked.
    await t.fake.waitFor('chat.update', (c) => JSON.stringify(c.params).includes('deploy done'), 1, 15_000);

    // The same click delivered again decides nothing and queues nothing.
    const again = await postActivity(t.url, approved.activity, {
      token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
    });
    expect(again.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
    const deploys = (await t.app.queue.recent('acme', 50)).filter((j) => j.kind === 'deploy');
    expect(deploys).toHaveLength(1);

    // The trail holds the refused attempt (Alice via Teams) and the decision (Carol via Teams).
    const trail = await t.app.audit.store.query('acme', {}, 0, 500);
    const denied = trail.filter((r) => r.action === 'approval.denied' && r.target === approvalId);
    expect(denied.some((r) => r.actor.memberId === 'alice' && r.actor.platform === 'teams')).toBe(true);
    const decided = trail.filter((r) => r.action === 'approval.decided' && r.target === approvalId);
    expect(decided.map((r) => [r.actor.memberId, r.actor.platform])).toEqual([['carol', 'teams']]);
  });

  it(
    'a request made in a Teams channel shows an Adaptive Card ' + 'in the thread, updated in place when decided',
    async () => {
      const conversationId = '19:deploys@thread.tacv2;messageid=5001';
      const asked = fixture('channel-mention', {
        serviceUrl: teams.connector.url,
        text: '<at>Void</at> deploy payments to staging',
        conversation: { isGroup: true, conversationType: 'channel', tenantId: AAD.tenant, id: conversationId },
      });
      expect(
        (
          await postActivity(t.url, asked, {
            token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
          })
        ).status,
      ).toBe(200);
      // Acked after one intake add: the turn (and the card) comes from the worker.
      await t.app.intake.settled();
      const inThread = () =>
        teams.connector.calls.filter((c) =>
          c.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`),
        );
      const cardPost = inThread().find(
        (c) => c.method === 'POST' && JSON.stringify(c.body).includes('application/vnd.microsoft.card.adaptive'),
      );
      expect(cardPost, 'the approval card was posted in the thread').toBeDefined();
      expect(JSON.stringify(cardPost?.body)).toContain('"verb":"void.approve"');
      expect(
        inThread().filter((c) => c.method === 'POST' && JSON.stringify(c.body).includes('AdaptiveCard')),
      ).toHaveLength(1);
      const approvalId = /"approvalId":"([^"]+)"/.exec(JSON.stringify(cardPost?.body))?.[1] as string;
      // Sent once: not sent and at once updated with the same card.
      const cardPuts = () =>
        inThread().filter((c) => c.method === 'PUT' && c.path.endsWith(`/activities/${cardPost?.responseId}`));
      expect(cardPuts()).toHaveLength(0);

      // Alice, who asked, clicks Approve: the refusal names her, never her raw Azure AD object id.
      const own = cardClick({
        serviceUrl: teams.connector.url,
        aadObjectId: AAD.alice,
        verb: 'void.approve',
        approvalId,
        replyToId: cardPost?.responseId,
      });
      (own.conversation as { id: string }).id = conversationId;
      const refused = String(
        (
          (
            await postActivity(t.url, own, {
              token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
            })
          ).body as { value: unknown }
        ).value,
      );
      expect(refused).toContain(`You requested ${approvalId} (as Alice Developer, through teams)`);
      expect(refused).not.toContain(AAD.alice);
      expect(cardPuts()).toHaveLength(0);

      const click = cardClick({
        serviceUrl: teams.connector.url,
        aadObjectId: AAD.carol,
        verb: 'void.approve',
        approvalId,
        replyToId: cardPost?.responseId,
      });
      (click.conversation as { id: string }).id = conversationId;
      const decided = await postActivity(t.url, click, {
        token: await signToken({ key: teams.key, serviceUrl: teams.connector.url }),
      });
      expect(decided.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive', value: { actions: [] } });
      const cardUpdate = inThread().find(
        (c) =>
          c.method === 'PUT' &&
          c.path.endsWith(`/activities/${cardPost?.responseId}`) &&
          JSON.stringify(c.body).includes('Approved'),
      );
      expect(cardUpdate, 'every viewer sees the decided card').toBeDefined();
      expect(cardPuts()).toHaveLength(1);
      await teams.connector.waitFor(
        () => inThread().find((c) => c.method === 'PUT' && String(c.body.text).includes('deploy done')),
        15_000,
      );
    },
  );
});
