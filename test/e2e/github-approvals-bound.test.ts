// Approvals asked for in a pull request are bound to that pull request: a `/void deploy` requested in a PR comment is
// voided by a push to the PR (and cannot be approved afterwards), and an id-less `/void approve` only ever means a
// request that existed when the comment was written. Real approvals module, real GitHub client, GitHub faked (nock).
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, GITHUB_API, prComment, prEvent } from '../helpers/github.js';
import { GITHUB_TENANTS, processorsModule, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
  nock.cleanAll();
});

const YAML = GITHUB_TENANTS.replace(
  '    policies: { default: deny, rules: [] }\n    github:',
  [
    '    policies:',
    '      default: deny',
    '      rules:',
    '        - { name: production-deploys, action: deploy, environment: production, quorum: 1 tech_lead }',
    '        - { name: reviewed-reviews, action: review, repository: "acme/*", quorum: 1 tech_lead }',
    '    github:',
  ].join('\n'),
);

/** acme/api#7 and its repository as GitHub answers them; the head moves when the test pushes. */
function fakeRepo(): { push(sha: string): void } {
  let head = 'a'.repeat(40);
  const commit = (sha: string) => ({
    sha,
    author: { login: 'alice', id: 101 },
    commit: { author: { email: 'alice@acme.test' } },
  });
  nock(GITHUB_API)
    .persist()
    .get('/repos/acme/api/pulls/7')
    .reply(200, () => ({
      number: 7,
      title: 'Add retries',
      body: '',
      user: { login: 'alice' },
      head: { sha: head, ref: 'feature' },
      base: { ref: 'main' },
      draft: false,
      html_url: 'https://github.test/acme/api/pull/7',
    }))
    .get('/repos/acme/api/pulls/7/commits')
    .query(true)
    .reply(200, () => [commit(head)])
    .get(/\/repos\/acme\/api\/commits\/[0-9a-f]{40}$/)
    .reply(200, (uri) => commit(uri.slice(-40)))
    .get('/repos/acme/api/deployments')
    .query(true)
    .reply(200, []);
  return { push: (sha) => void (head = sha) };
}

async function start(): Promise<GithubTestApp> {
  const t = await startGithubApp({
    yaml: YAML,
    modules: [
      approvalsModule(),
      processorsModule({
        deploy: () => async () => ({ summary: 'deployed' }),
        review: () => async () => ({ summary: 'reviewed' }),
      }),
    ],
  });
  running.push(t);
  return t;
}

const jobs = (t: GithubTestApp) => t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
const idIn = (texts: string[]) => /`(ap-[0-9a-f]{16})`/.exec(texts.join('\n'))?.[1] as string;

describe('approvals asked for in a pull request', () => {
  it(
    'a `/void deploy` requested in a PR comment is voided by a push to the PR, ' +
      'and approving it afterwards deploys nothing',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      const repo = fakeRepo();
      await deliver(t.url, 'issue_comment', prComment('/void deploy production', { login: 'alice' }));
      await t.github.idle();
      const id = idIn(api.texts());
      // The commit reads as its short SHA, linked to the commit; no 40-character SHA is shown.
      expect(api.texts().join('\n')).toContain(
        `deploy api to production at [\`aaaaaaa\`](https://github.test/acme/api/commit/${'a'.repeat(40)})`,
      );
      expect(
        api
          .texts()
          .join('\n')
          .replace(/\]\([^)]*\)/g, ']'),
      ).not.toMatch(/[0-9a-f]{40}/);
      expect(id).toBeDefined();

      repo.push('b'.repeat(40));
      const pushed = await deliver(
        t.url,
        'pull_request',
        prEvent('synchronize', { sha: 'b'.repeat(40), login: 'alice' }),
      );
      expect(pushed.body).toMatchObject({ voided: 1 });
      await t.github.idle();
      expect(api.texts()).toContainEqual(
        `♻️ Request ${id} (deploy api to production at aaaaaaa) is void: new commits were pushed to acme/api#7 ` +
          `(approved at aaaaaaa, head now bbbbbbb). Approvals count only for what will run; ask again.`,
      );
      expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('cancelled');

      await deliver(t.url, 'issue_comment', prComment(`/void approve ${id}`, { login: 'bob' }));
      await t.github.idle();
      expect(await jobs(t)).toHaveLength(0);
      expect(api.texts().at(-1)).toContain(`Request ${id} was voided`);
    },
  );

  it(
    'an id-less `/void approve` written before a request existed never decides it; ' +
      'with a request made before it, it does',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      fakeRepo();
      const before = new Date(Date.now() - 60_000).toISOString();
      await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice' }));
      await t.github.idle();
      const id = idIn(api.texts());

      await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob', createdAt: before }));
      await t.github.idle();
      expect(api.texts().at(-1)).toBe(
        `@bob There is no pending request in this pull request that was made before your comment (\`${id}\` came ` +
          `after it: say \`/void approve <id>\` to decide one); nothing was decided.`,
      );
      expect((await t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
      expect(await jobs(t)).toHaveLength(0);

      await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob' }));
      await t.github.idle();
      expect((await jobs(t)).map((j) => j.data.approvalId)).toEqual([id]);
    },
  );

  it('with several requests pending in the PR, an id-less approve asks which one and decides none', async () => {
    const t = await start();
    const api = fakeGithubApi();
    fakeRepo();
    await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice' }));
    await deliver(t.url, 'issue_comment', prComment('/void deploy production', { login: 'alice' }));
    await t.github.idle();
    await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob' }));
    await t.github.idle();
    expect(api.texts().at(-1)).toMatch(
      new RegExp(
        String.raw`^@bob Several requests are pending in this pull request \(` +
          '`ap-[0-9a-f]{16}`, `ap-[0-9a-f]{16}`' +
          String.raw`\), so Void cannot tell which one you mean: ` +
          'say `/void approve <id>`' +
          String.raw`\. Nothing was decided\.$`,
      ),
    );
    expect(await jobs(t)).toHaveLength(0);
  });

  it(
    'a PR-comment deploy whose head commit cannot be read is refused ' +
      'with a retry hint, never sent to the default branch',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      nock(GITHUB_API).persist().get('/repos/acme/api/pulls/7').reply(502, { message: 'Server Error' });
      await deliver(t.url, 'issue_comment', prComment('/void deploy production', { login: 'alice' }));
      await t.github.idle();
      expect(api.texts().at(-1)).toBe(
        '@alice Nothing was requested: Void could not read the head commit of this pull request in time, ' +
          'and a deploy from a pull request deploys exactly that commit. Please say `/void deploy production` again ' +
          'in a moment.',
      );
      expect(await jobs(t)).toHaveLength(0);
      expect((await t.app.audit.store.range('acme', 1, 100)).filter((r) => r.action === 'approval.requested')).toEqual(
        [],
      );
    },
  );
});
