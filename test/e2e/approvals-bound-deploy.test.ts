// A deploy approval binds to the commit its ref pointed at when it was requested, through the real approvals module,
// the real deploy agent and the real GitHub client (GitHub's REST API intercepted with nock): a ref moved before the
// quorum voids the request (production) or the pinned commit deploys (keep-pinned), never the new one; required
// status checks are honoured unless the rule waives them; authors of the commits cannot approve.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentsModule } from '../../agents/module.js';
import { approvalsModule } from '../../approvals/module.js';
import { consoleUser, recordThreads, say, type RecordingChat } from '../helpers/approvals.js';
import { GITHUB_API, tokenScope } from '../helpers/github.js';
import { startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const BASE = 'c'.repeat(40);

const YAML = `
version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
    members:
      - { id: alice, name: Alice Developer, roles: [developer], identities: { github: alice } }
      - { id: bob, name: Bob Lead, roles: [developer, tech_lead], identities: { github: bob, email: bob@acme.test } }
      - { id: carol, name: Carol Lead, roles: [tech_lead], identities: { github: carol } }
    policies:
      default: deny
      rules:
        - { name: production-deploys, action: deploy, environment: production, quorum: 1 tech_lead }
        - { name: staging-deploys, action: deploy, environment: staging, quorum: 1 tech_lead,
            onTargetMoved: keep-pinned }
        - { name: sandbox-deploys, action: deploy, environment: sandbox, quorum: 1 tech_lead, waiveStatusChecks: true }
`;

interface FakeRepo {
  head: string;
  /** Commits between the last deployment and the head, with their authors. */
  range: Array<{ sha: string; login?: string; email: string }>;
  readonly deployments: Array<Record<string, unknown>>;
}

/** acme/payments as GitHub answers it: main points at `head`; one earlier deployment at BASE. */
function fakePaymentsRepo(): FakeRepo {
  tokenScope();
  const repo: FakeRepo = { head: A, range: [{ sha: A, login: 'alice', email: 'alice@acme.test' }], deployments: [] };
  const base = '/repos/acme/payments';
  const commit = (c: { sha: string; login?: string; email: string }) => ({
    sha: c.sha,
    author: c.login ? { login: c.login, id: c.login.length } : null,
    commit: { author: { email: c.email } },
  });
  nock(GITHUB_API)
    .persist()
    .get(base)
    .reply(200, { name: 'payments', default_branch: 'main' })
    .get(`${base}/commits/main`)
    .reply(200, () => ({ sha: repo.head, commit: { author: { email: 'x@acme.test' } } }))
    .get(new RegExp(`${base}/compare/.*`))
    .reply(200, () => ({ commits: repo.range.map(commit) }))
    .get(`${base}/deployments`)
    .query(true)
    .reply(200, (uri) => (new URL(uri, 'http://x').searchParams.has('ref') ? [] : [{ id: 1, sha: BASE }]))
    .post(`${base}/deployments`)
    .reply(201, (_uri, body) => {
      repo.deployments.push(body as Record<string, unknown>);
      return {
        id: 900 + repo.deployments.length,
        url: `${GITHUB_API}${base}/deployments/${900 + repo.deployments.length}`,
      };
    })
    .get(new RegExp(`${base}/deployments/\\d+/statuses`))
    .query(true)
    .reply(200, [{ state: 'success' }]);
  return repo;
}

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(running.map((t) => t.stop()));
  running = [];
  nock.cleanAll();
});

async function start(): Promise<{ t: GithubTestApp; chat: RecordingChat }> {
  const t = await startGithubApp({
    role: 'all',
    yaml: YAML,
    modules: [approvalsModule(), createAgentsModule({ deployPollMs: 5 })],
  });
  running.push(t);
  return { t, chat: recordThreads(t.app) };
}

async function request(t: GithubTestApp, text: string): Promise<{ id: string; card: string }> {
  const reply = (await say(t.app, consoleUser('alice'), text)).replies[0];
  expect(reply?.kind).toBe('approval');
  return { id: reply?.approval?.id ?? '', card: reply?.text ?? '' };
}

describe('a deploy approval is bound to a commit', () => {
  it(
    'records the commit the ref pointed at; ' +
      'when main moves before the quorum (production), the request is void and nothing deploys',
    async () => {
      const repo = fakePaymentsRepo();
      const { t } = await start();
      const { id, card } = await request(t, 'deploy payments to production');
      expect(card).toContain(
        `Deploys commit aaaaaaa (https://github.com/acme/payments/commit/${A}) of acme/payments, ` +
          `where main pointed when requested`,
      );
      expect(card).toContain('Required status checks must pass.');
      expect((await t.app.provided('approvals')?.get('acme', id))?.pinned).toEqual({
        sha: A,
        repo: 'acme/payments',
        ref: 'main',
        statusChecksWaived: false,
      });

      repo.head = B;
      repo.range = [{ sha: B, login: 'alice', email: 'alice@acme.test' }];
      const late = await say(t.app, consoleUser('carol'), `approve ${id}`);
      expect(late.replies[0]?.text).toContain(
        `Request ${id} was voided because what it approved changed: main moved from aaaaaaa to bbbbbbb since the ` +
          `request (1 commit arrived: bbbbbbb)`,
      );
      expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('cancelled');
      expect(repo.deployments).toEqual([]);
      expect(await t.app.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
    },
  );

  it(
    'keep-pinned: main moves, the thread is told which commits arrived, ' +
      'and the pinned commit deploys (never the new one) with status checks honoured',
    async () => {
      const repo = fakePaymentsRepo();
      const { t, chat } = await start();
      const { id, card } = await request(t, 'deploy payments to staging');
      expect(card).toContain('if it moves, the rule keeps this commit');
      repo.head = B;
      repo.range = [{ sha: B, email: 'someone@acme.test' }];
      const approved = await say(t.app, consoleUser('carol'), `approve ${id}`);
      expect(approved.replies[0]?.text).toContain('the quorum is met');
      expect(approved.replies[0]?.text).toContain(
        'main moved from aaaaaaa to bbbbbbb since the request (1 commit arrived: bbbbbbb); ' +
          'rule "staging-deploys" keeps the pinned commit, so aaaaaaa is what deploys, not bbbbbbb',
      );
      const done = await chat.waitFor((p) => p.reply.text.startsWith('✅ deploy'), 15_000);
      expect(done.reply.text).toContain('payments to staging (default branch @ aaaaaaa): deployment 901 success');
      expect(repo.deployments).toHaveLength(1);
      expect(repo.deployments[0]).toMatchObject({ ref: A, environment: 'staging' });
      // No `required_contexts`: GitHub checks every required status context of the commit before deploying.
      expect(repo.deployments[0]).not.toHaveProperty('required_contexts');
    },
  );

  it('a rule that waives status checks says so on the card, and only then are they skipped', async () => {
    const repo = fakePaymentsRepo();
    const { t, chat } = await start();
    const { id, card } = await request(t, 'deploy payments to sandbox');
    expect(card).toContain('⚠️ Required status checks are WAIVED by rule "sandbox-deploys".');
    await say(t.app, consoleUser('carol'), `approve ${id}`);
    await chat.waitFor((p) => p.reply.text.startsWith('✅ deploy'), 15_000);
    expect(repo.deployments[0]).toMatchObject({ ref: A, required_contexts: [] });
  });

  it(
    'an author of a commit being deployed cannot approve it ' +
      '(matched by GitHub login or commit e-mail); an independent lead can',
    async () => {
      const repo = fakePaymentsRepo();
      repo.range = [
        { sha: 'd'.repeat(40), email: 'bob@acme.test' },
        { sha: A, login: 'alice', email: 'alice@acme.test' },
      ];
      const { t } = await start();
      const { id } = await request(t, 'deploy payments to production');
      const byBob = await say(t.app, consoleUser('bob'), `approve ${id}`);
      expect(byBob.replies[0]?.text).toContain(
        `You (bob@acme.test) authored part of what ${id} would deploy; rule "production-deploys" does not let ` +
          `authors approve their own change`,
      );
      expect((await t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
      const denied = (await t.app.audit.store.range('acme', 1, 1000)).filter((r) => r.action === 'approval.denied');
      expect(denied.map((r) => r.details)).toEqual([{ approvalId: id, code: 'approval.author' }]);

      repo.range = [{ sha: A, login: 'carol', email: 'c@elsewhere.test' }];
      const { id: second } = await request(t, 'deploy payments to production at main');
      expect((await say(t.app, consoleUser('carol'), `approve ${second}`)).replies[0]?.text).toContain(
        'authored part of what',
      );
      expect((await say(t.app, consoleUser('bob'), `approve ${second}`)).replies[0]?.text).toContain(
        'the quorum is met',
      );
    },
  );
});
