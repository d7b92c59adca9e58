// Void added to a team or a chat: Teams sends conversationUpdate with the bot among membersAdded, and Void answers
// with a welcome and the command list. Someone else joining does not make Void speak.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  type ConnectorCall,
  BOT_APP_ID,
  fixture,
  interceptLogin,
  postActivity,
  signToken,
  startTeamsFakes,
  teamsEnv,
  type TeamsFakes,
} from '../helpers/teams.js';
import { teamsModule } from '../../bot/teams/module.js';

let teams: TeamsFakes;
let t: TestApp;

beforeAll(async () => {
  teams = await startTeamsFakes();
  t = await startTestApp({ config: testConfig({ env: teamsEnv(teams.openId) }), modules: [teamsModule] });
});

afterAll(async () => {
  await t?.stop();
  await teams?.close();
});

beforeEach(() => {
  interceptLogin();
});

const BOT = `28:${BOT_APP_ID}`;

/** A conversationUpdate as Teams sends it when members join (shape from the Bot Framework docs' membersAdded event). */
function membersAdded(conversationId: string, added: string[]): Record<string, unknown> {
  const base = fixture('channel-mention', { serviceUrl: teams.connector.url });
  const { text: _text, entities: _entities, attachments: _attachments, textFormat: _format, ...rest } = base;
  return {
    ...rest,
    type: 'conversationUpdate',
    id: `f:${conversationId}-${added.join(',')}`,
    conversation: { ...(base.conversation as object), id: conversationId },
    membersAdded: added.map((id) => ({ id })),
    channelData: {
      tenant: { id: '72f988bf-0000-4000-8000-00000000acme' },
      eventType: 'teamMemberAdded',
      team: { id: conversationId },
    },
  };
}

const inConversation = (id: string) => (call: ConnectorCall) =>
  call.path.startsWith(`/v3/conversations/${encodeURIComponent(id)}/activities`);

describe('Teams welcome', () => {
  it('says hello with the command list when Void is added to a team', async () => {
    const conversationId = '19:welcome@thread.tacv2';
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const response = await postActivity(t.url, membersAdded(conversationId, [BOT]), { token });
    expect(response.status).toBe(200);
    const posted = teams.connector.calls.filter(inConversation(conversationId)).filter((c) => c.method === 'POST');
    expect(posted).toHaveLength(1);
    const text = String(posted[0]?.body.text ?? '');
    expect(text).toContain('Hello, I am Void. Mention @Void with a command');
    expect(text).toContain('help [command]: list the commands, or explain one');
    expect(text).toContain('deploy &lt;service&gt; [to] &lt;environment&gt; [at &lt;ref&gt;]');
  });

  it('stays quiet when someone else joins', async () => {
    const conversationId = '19:quiet-join@thread.tacv2';
    const token = await signToken({ key: teams.key, serviceUrl: teams.connector.url });
    const response = await postActivity(t.url, membersAdded(conversationId, ['29:someone-else']), { token });
    expect(response.status).toBe(200);
    expect(teams.connector.calls.filter(inConversation(conversationId))).toHaveLength(0);
  });
});
