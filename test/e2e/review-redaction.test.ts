// No secret leaves for a model (issue 14, item 6; RELIABILITY.md 30). A signed `/void review` on a pull request whose
// diff carries an AWS key pair and a GitHub token (and whose description repeats the token): the model providers,
// faked at the HTTP level (nock on OpenAI's and Anthropic's APIs), receive placeholders naming each kind, never a
// value; the review still reports every credential on its line.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, prComment } from '../helpers/github.js';
import { GITHUB_TENANTS, onlyJobFinished, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';
import {
  ANTHROPIC_API,
  anthropicMessage,
  anthropicProvider,
  MODEL_ENV,
  OPENAI_API,
  openAiCompletion,
  openAiProvider,
} from '../helpers/llm.js';
import { servePullRequest, type CorpusPullRequest, type PostedReview } from '../helpers/review.js';
import { AWS_ACCESS_KEY, AWS_SECRET_KEY, GITHUB_TOKEN_REDACTED } from '../fixtures/fake-secrets.js';

const AWS_KEY_ID = AWS_ACCESS_KEY;
const AWS_SECRET = AWS_SECRET_KEY;
const GITHUB_TOKEN = GITHUB_TOKEN_REDACTED;

const CONTENT = [
  "import { S3Client } from '@aws-sdk/client-s3';",
  '',
  'export const s3 = new S3Client({',
  "  region: 'eu-west-1',",
  `  credentials: { accessKeyId: '${AWS_KEY_ID}', secretAccessKey: '${AWS_SECRET}' },`,
  '});',
  `export const GITHUB_TOKEN = process.env.GITHUB_TOKEN ?? '${GITHUB_TOKEN}';`,
  '',
].join('\n');

const PR: CorpusPullRequest = {
  name: 'export-to-s3',
  description:
    `Exports to S3. For the reviewer: the CI token is ${GITHUB_TOKEN} and ` + `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
  clean: false,
  planted: [],
  files: [
    {
      path: 'src/export/s3.ts',
      status: 'added',
      additions: 7,
      deletions: 0,
      patch: `@@ -0,0 +1,7 @@\n${CONTENT.split('\n')
        .slice(0, 7)
        .map((l) => `+${l}`)
        .join('\n')}`,
      content: CONTENT,
    },
    {
      path: 'src/export/s3.test.ts',
      status: 'added',
      additions: 1,
      deletions: 0,
      patch: "@@ -0,0 +1 @@\n+it('exports', () => {});",
      content: "it('exports', () => {});\n",
    },
  ],
};

const withModels = (providers: string) =>
  GITHUB_TENANTS.replace(
    '      plainIssueComments: reply',
    `      plainIssueComments: reply\n    models:\n      providers: ${providers}`,
  );

let running: GithubTestApp | undefined;
afterEach(async () => {
  await running?.github.idle();
  await running?.stop();
  running = undefined;
});

describe('secrets never reach a model provider', () => {
  it(
    'the OpenAI and Anthropic fakes see placeholders, ' +
      'not the AWS key pair or the GitHub token; the review reports all three',
    async () => {
      const seen: string[] = [];
      // OpenAI fails (503) so that the router moves on to Anthropic: both providers receive the prompt.
      nock(OPENAI_API)
        .post('/v1/chat/completions')
        .times(3)
        .reply((_uri, body) => (seen.push(JSON.stringify(body)), [503, { error: { message: 'overloaded' } }]));
      nock(ANTHROPIC_API)
        .post('/v1/messages')
        .reply(
          (_uri, body) => (
            seen.push(JSON.stringify(body)),
            [
              200,
              anthropicMessage({ summary: 'Exports to S3 with inline credentials.', verdict: 'comment', findings: [] }),
            ]
          ),
        );
      const providers = JSON.stringify([openAiProvider(), anthropicProvider()]);
      running = await startGithubApp({
        role: 'all',
        modules: [createAgentsModule()],
        yaml: withModels(providers),
        env: MODEL_ENV,
      });
      fakeGithubApi();
      const reviews: PostedReview[] = [];
      servePullRequest(PR, reviews);
      expect((await deliver(running.url, 'issue_comment', prComment('/void review'))).status).toBe(202);
      expect((await onlyJobFinished(running)).state).toBe('completed');

      expect(seen.length).toBeGreaterThanOrEqual(2);
      for (const request of seen) {
        for (const value of [AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN]) expect(request).not.toContain(value);
        expect(request).toContain('<redacted aws_access_key>');
        expect(request).toContain('<redacted aws_secret_key>');
        expect(request).toContain('<redacted github_token>');
      }
      const posted = reviews[0] as PostedReview;
      expect(posted.body).toContain('Reviewed with model claude');
      expect((posted.comments ?? []).map((c) => `${c.line} ${/`([\w.]+)`/.exec(c.body)?.[1]}`)).toEqual(
        expect.arrayContaining(['5 secret.aws_access_key', '7 secret.github_token']),
      );
      expect(posted.body).toContain('`src/export/s3.ts:5` secret.aws_secret_key');
      for (const value of [AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN]) expect(JSON.stringify(reviews)).not.toContain(value);
    },
  );

  it('model answers that quote a secret are cleaned before they are posted', async () => {
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .reply(
        200,
        openAiCompletion(JSON.stringify({ summary: `Rotate ${GITHUB_TOKEN} now.`, verdict: 'comment', findings: [] })),
      );
    running = await startGithubApp({
      role: 'all',
      modules: [createAgentsModule()],
      yaml: withModels(JSON.stringify([openAiProvider()])),
      env: MODEL_ENV,
    });
    fakeGithubApi();
    const reviews: PostedReview[] = [];
    servePullRequest(PR, reviews, 'Exports to S3.');
    await deliver(running.url, 'issue_comment', prComment('/void review'));
    expect((await onlyJobFinished(running)).state).toBe('completed');
    expect(reviews[0]?.body).toContain('Rotate [secret removed] now.');
    expect(JSON.stringify(reviews)).not.toContain(GITHUB_TOKEN);
  });
});
