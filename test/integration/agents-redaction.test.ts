// No secret leaves for a model, for ticket texts too: a triage job on a ticket whose description pastes a Slack
// token, a GitHub token and a private key sends the model (Anthropic, faked over HTTP) placeholders only.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_API,
  MODEL_ENV,
  anthropicMessage,
  anthropicProvider,
  nock,
  startAgentsApp,
  type AgentsTestApp,
} from '../helpers/agents.js';
import {
  GITHUB_TOKEN_REDACTED,
  PEM_BODY_PKCS8,
  pemBegin,
  pemEnd,
  SLACK_TOKEN_IN_CODE,
} from '../fixtures/fake-secrets.js';

const SLACK = SLACK_TOKEN_IN_CODE;
const GITHUB = GITHUB_TOKEN_REDACTED;
const KEY_BODY = PEM_BODY_PKCS8;

let app: AgentsTestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('triage prompt', () => {
  it('replaces every secret in the ticket by a placeholder naming its kind before the model sees it', async () => {
    let sent = '';
    nock(ANTHROPIC_API)
      .post('/v1/messages')
      .reply(
        (_uri, body) => (
          (sent = JSON.stringify(body)),
          [
            200,
            anthropicMessage({
              type: 'incident',
              priority: 'high',
              labels: ['security'],
              summary: 'Credentials were pasted into a ticket.',
            }),
          ]
        ),
      );
    app = await startAgentsApp({ models: { providers: [anthropicProvider()] }, env: MODEL_ENV });
    const description = [
      'The bot stopped posting. Config we use:',
      `SLACK_BOT_TOKEN=${SLACK}`,
      `token: ${GITHUB}`,
      pemBegin(''),
      KEY_BODY,
      pemEnd(''),
    ].join('\n');
    app.tickets.add({ key: 'PAY-31', summary: `Bot down, token ${GITHUB} rejected`, description });
    const { reply } = await app.run('triage', { name: 'triage', ticket: 'PAY-31' });
    expect(reply.text).toContain('PAY-31: incident, priority high');
    for (const value of [SLACK, GITHUB, KEY_BODY]) expect(sent).not.toContain(value);
    expect(sent).toContain('SLACK_BOT_TOKEN=<redacted slack_token>');
    expect(sent).toContain('token: <redacted github_token>');
    expect(sent).toContain('<redacted private_key>');
    expect(sent).toContain('Bot down, token <redacted github_token> rejected');
  });
});
