// What people read in a pull request, end to end (issue 22): a deploy asked for in a PR comment shows ONE approval
// card (posted once, edited once per decision), naming approvers as @login so that GitHub notifies them, the commit
// as a short SHA linked to it, and times as "in 24 h (5 Dec 11:40 UTC)"; the job's comment never goes back from
// "started" to "queued", has no "success … 60%" line before "done", and "done" links to the deployments web page,
// never to GitHub's REST API. Real approvals module, real deploy agent, real GitHub client; GitHub faked with nock.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { approvalsModule } from '../../approvals/module.js';
import { fakeGithubApi, type GithubApiRecorder } from '../helpers/github-api.js';
import { deliver, GITHUB_API, prComment } from '../helpers/github.js';
import {
  GITHUB_TENANTS,
  onlyJobFinished,
  processorsModule,
  startGithubApp,
  type GithubTestApp,
} from '../helpers/github-app.js';

const HEAD = 'a'.repeat(40);

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
  '    policies:\n      default: deny\n      rules:\n        - { name: production-deploys, action: deploy, ' +
    'environment: production, quorum: 1 tech_lead }\n    github:',
);

/** acme/api#7 and its deployments: statuses go queued → in_progress → success, one per poll. */
function fakeRepo(): void {
  const states = ['queued', 'in_progress', 'success'];
  let polls = 0;
  nock(GITHUB_API)
    .persist()
    .get('/repos/acme/api/pulls/7')
    .reply(200, {
      number: 7,
      title: 'Add retries',
      body: '',
      user: { login: 'alice' },
      head: { sha: HEAD, ref: 'feature' },
      base: { ref: 'main' },
      draft: false,
      html_url: 'https://github.test/acme/api/pull/7',
    })
    .get(/\/repos\/acme\/api\/commits\/[0-9a-f]{40}$/)
    .reply(200, (uri) => ({
      sha: uri.slice(-40),
      author: { login: 'erin', id: 5 },
      commit: { author: { email: 'erin@acme.test' } },
    }))
    .get(/\/repos\/acme\/api\/compare\/.*/)
    .reply(200, {
      commits: [{ sha: HEAD, author: { login: 'erin', id: 5 }, commit: { author: { email: 'erin@acme.test' } } }],
    })
    .get('/repos/acme/api/deployments')
    .query(true)
    .reply(200, [])
    .post('/repos/acme/api/deployments')
    // GitHub's answer: `url` is the REST API's (JSON), which nobody should be sent to.
    .reply(201, { id: 501, url: `${GITHUB_API}/repos/acme/api/deployments/501` })
    .get('/repos/acme/api/deployments/501/statuses')
    .query(true)
    .reply(200, () => [{ state: states[Math.min(polls++, states.length - 1)] }]);
}

/** Every body one comment had, in order (created, then each edit). */
function historyOf(api: GithubApiRecorder, match: (body: string) => boolean): string[] {
  const strip = (body: string) => body.replace(/\n*<!-- void:[^>]*-->/g, '');
  const created = api.calls.find(
    (c) => c.method === 'POST' && c.path.endsWith('/issues/7/comments') && match(strip(String(c.body?.body))),
  );
  if (!created) return [];
  const comment = api.comments.find((c) => c.body === created.body.body || match(strip(c.body)));
  const edits = api.calls.filter(
    (c) => c.method === 'PATCH' && comment && c.path.endsWith(`/issues/comments/${comment.id}`),
  );
  return [created, ...edits].map((c) => strip(String(c.body?.body)));
}

describe('a deploy asked for in a pull request, as its people read it', () => {
  it(
    'one card, @logins, a short linked SHA, relative times; ' +
      'progress forward only; done links to the deployments page',
    async () => {
      const t = await startGithubApp({
        role: 'all',
        env: { VOID_PROGRESS_INTERVAL_MS: '0' },
        yaml: YAML,
        modules: [approvalsModule(), createAgentsModule({ deployPollMs: 5 })],
      });
      running.push(t);
      const api = fakeGithubApi();
      fakeRepo();

      await deliver(t.url, 'issue_comment', prComment('/void deploy production', { login: 'alice' }));
      await t.github.idle();
      const card = (body: string) => /^(🔐|✅) \*\*(Approval needed|Approved)\*\* `ap-/.test(body);
      const posted = historyOf(api, card);
      // Posted once, not posted and at once edited to the same text.
      expect(posted).toHaveLength(1);
      const id = /`(ap-[0-9a-f]{16})`/.exec(posted[0] as string)?.[1] as string;
      expect(posted[0]).toContain(
        `deploy api to production at [\`aaaaaaa\`](https://github.test/acme/api/commit/${HEAD})`,
      );
      expect(posted[0]).toContain('May approve: @bob');
      expect(posted[0]).toMatch(/\nExpires in 24 h \(\d{1,2} [A-Z][a-z]{2}( \d{4})? \d{2}:\d{2} UTC\)\n/);
      expect(posted[0]).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      expect(posted[0]?.replace(/\]\([^)]*\)/g, ']')).not.toMatch(/[0-9a-f]{40}/);

      await deliver(t.url, 'issue_comment', prComment(`/void approve ${id}`, { login: 'bob' }));
      const job = await onlyJobFinished(t);
      expect(job.state).toBe('completed');
      await t.github.idle();

      // One edit for Bob's decision, naming him by @login.
      const cardHistory = historyOf(api, card);
      expect(cardHistory).toHaveLength(2);
      expect(cardHistory[1]).toMatch(new RegExp(`^✅ \\*\\*Approved\\*\\* \`${id}\``));
      expect(cardHistory[1]).toMatch(
        /\n- @bob approved on github just now \(\d{1,2} [A-Z][a-z]{2}( \d{4})? \d{2}:\d{2} UTC\)$/,
      );

      // The job's comment, every version of it: forward only, no terminal state as progress, a web link at the end.
      const progress = historyOf(api, (b) => /^(▶️|🔄|✅) deploy /.test(b));
      expect(progress[0]).toMatch(/^▶️ deploy started/);
      expect(progress.filter((x) => /success.*\d+%/.test(x))).toEqual([]);
      expect(progress.some((x) => x.includes('deployment 501: in progress'))).toBe(true);
      const done = progress.at(-1) as string;
      expect(done).toMatch(
        new RegExp(
          String.raw`^✅ deploy done: api to production \(aaaaaaa\): deployment 501 success\n` +
            String.raw`https:\/\/github\.test\/acme\/api\/deployments$`,
        ),
      );
      expect(progress.join('\n')).not.toContain('/api/v3');
    },
  );
});

describe('the opening "queued" of a job', () => {
  it("never replaces what the worker already wrote in the job's comment", async () => {
    // The web role answers after its 👀 reaction; here the reaction is slow, so the worker has already started the
    // job (and said so) when the web role's "queued as job" arrives.
    nock(GITHUB_API)
      .post(/\/repos\/acme\/api\/issues\/comments\/\d+\/reactions$/)
      .delay(600)
      .reply(201, { id: 1, content: 'eyes' });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const t = await startGithubApp({
      role: 'all',
      modules: [processorsModule({ review: () => async () => (await held, { summary: 'reviewed' }) })],
    });
    running.push(t);
    const api = fakeGithubApi();

    await deliver(t.url, 'issue_comment', prComment('/void review'));
    await t.github.idle();
    const history = historyOf(api, (b) => /^(🕐|▶️|✅) review/.test(b));
    expect(history[0]).toMatch(/^▶️ review started/);
    expect(history.some((x) => x.includes('queued as job'))).toBe(false);

    release();
    expect((await onlyJobFinished(t)).state).toBe('completed');
    expect(historyOf(api, (b) => /^(🕐|▶️|✅) review/.test(b)).at(-1)).toBe('✅ review done: reviewed');
  });
});
