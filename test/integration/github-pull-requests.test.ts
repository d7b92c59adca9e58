// Pull request events (real payloads): automatic reviews per the tenant's `github` settings, events published to
// listeners, approvals voided when the head commit moves; and what approve/reject/deploy/help mean inside a PR.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeGithubApi } from '../helpers/github-api.js';
import { memoryApprovals } from '../helpers/github-approvals.js';
import { deliver, example, GITHUB_API, prComment, prEvent } from '../helpers/github.js';
import { processorsModule, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
});

const jobKinds = processorsModule({
  review: () => async () => ({ summary: 'reviewed' }),
  deploy: () => async () => ({ summary: 'deployed' }),
});

async function start(options: Parameters<typeof startGithubApp>[0] = {}): Promise<GithubTestApp> {
  const t = await startGithubApp({ modules: [jobKinds], ...options });
  running.push(t);
  return t;
}

const jobs = (t: GithubTestApp) => t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
const targets = async (t: GithubTestApp) =>
  (await t.app.audit.store.range('acme', 1, 1000)).filter((r) => r.action === 'command.received').map((r) => r.target);

describe('automatic reviews', () => {
  it('reviews a pull request opened by a member, once per delivery, and tells the listeners', async () => {
    const t = await start();
    const api = fakeGithubApi();
    const sent = await deliver(t.url, 'pull_request', prEvent('opened'));
    expect(sent).toMatchObject({ status: 202, body: { action: 'opened', review: 'dispatched' } });
    await t.github.idle();
    const queued = await jobs(t);
    expect(queued.map((j) => [j.data.kind, j.data.deliveryId, j.data.requester.memberId])).toEqual([
      ['review', sent.id, 'alice'],
    ]);
    expect(api.texts()).toEqual([`🕐 review acme/api#7: queued as job ${queued[0]?.id}`]);
    expect(t.events.map((e) => [e.tenantId, e.action, e.pr.number, e.pr.headSha, e.deliveryId])).toEqual([
      ['acme', 'opened', 7, 'a'.repeat(40), sent.id],
    ]);

    await deliver(t.url, 'pull_request', prEvent('opened'), { id: sent.id });
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(1);
    expect(t.events).toHaveLength(1);
  });

  it.each(['reopened', 'ready_for_review'])('reviews on %s too', async (action) => {
    const t = await start();
    fakeGithubApi();
    const sent = await deliver(t.url, 'pull_request', prEvent(action));
    await t.github.idle();
    expect(sent.body.review).toBe('dispatched');
    expect((await jobs(t)).map((j) => j.data.kind)).toEqual(['review']);
    expect(t.events.map((e) => e.action)).toEqual([action]);
  });

  it('asks as the review account of the rule when the sender is not a member', async () => {
    const t = await start();
    fakeGithubApi();
    await deliver(
      t.url,
      'pull_request',
      prEvent('synchronize', { login: 'outside-contributor', author: 'outside-contributor' }),
    );
    await t.github.idle();
    expect((await jobs(t)).map((j) => j.data.requester)).toEqual([
      { memberId: 'reviewer', platform: 'github', platformUserId: 'void-reviewer' },
    ]);
  });

  it.each([
    ['a draft', prEvent('opened', { draft: true }), 'skipped: draft pull request'],
    [
      "a bot's pull request",
      prEvent('opened', { author: 'dependabot[bot]', authorType: 'Bot' }),
      'skipped: pull request by a bot',
    ],
    [
      'an event the rule does not list',
      (() => {
        const p = prEvent('synchronize');
        p.repository.name = 'docs';
        return p;
      })(),
      'skipped: no automatic review on synchronize',
    ],
    [
      'a repository no rule names',
      (() => {
        const p = prEvent('opened');
        p.repository.name = 'website';
        return p;
      })(),
      'skipped: no automatic review for this repository',
    ],
  ])('does not review %s', async (_name, payload, status) => {
    const t = await start();
    fakeGithubApi({ repo: payload.repository.name });
    const sent = await deliver(t.url, 'pull_request', payload);
    await t.github.idle();
    expect(sent.body.review).toBe(status);
    expect(await jobs(t)).toHaveLength(0);
    expect(t.events).toHaveLength(1);
  });

  it('reviews a draft when the rule says skipDrafts: false', async () => {
    const t = await start();
    fakeGithubApi({ repo: 'docs' });
    const p = prEvent('opened', { draft: true });
    p.repository.name = 'docs';
    await deliver(t.url, 'pull_request', p);
    await t.github.idle();
    expect((await jobs(t)).map((j) => j.data.command)).toEqual([
      { name: 'review', repo: { owner: 'acme', name: 'docs' }, number: 7 },
    ]);
  });
});

describe('pull request lifecycle events for listeners', () => {
  it('publishes merged, closed and review_approved, and ignores other actions and unknown installations', async () => {
    const t = await start();
    fakeGithubApi();
    await deliver(t.url, 'pull_request', prEvent('closed', { merged: true }));
    await deliver(t.url, 'pull_request', prEvent('closed', { merged: false }));
    const review = example('pull_request_review', 'submitted', (x) => Boolean(x.installation));
    review.installation = { id: 1001 };
    review.repository.owner.login = 'acme';
    review.review.state = 'approved';
    await deliver(t.url, 'pull_request_review', review);
    const labeled = await deliver(t.url, 'pull_request', prEvent('labeled'));
    const elsewhere = await deliver(t.url, 'pull_request', prEvent('opened', { installation: 9999 }));
    await t.github.idle();
    expect(t.events.map((e) => e.action)).toEqual(['merged', 'closed', 'review_approved']);
    expect(labeled.status).toBe(200);
    expect(elsewhere.body.ignored).toBe('installation not connected to a tenant');
  });
});

describe('approvals follow the head commit', () => {
  it('voids a pending approval when new commits are pushed and says so in the pull request, once', async () => {
    const approvals = memoryApprovals();
    approvals.add({ id: 'apr-1', summary: 'review acme/api#7' }, 'acme/api#7', `sha:${'a'.repeat(40)}`);
    approvals.add({ id: 'apr-2', summary: 'review acme/web#3' }, 'acme/web#3', `sha:${'c'.repeat(40)}`);
    const t = await start({ approvals });
    const api = fakeGithubApi();
    const sent = await deliver(t.url, 'pull_request', prEvent('synchronize', { sha: 'b'.repeat(40) }));
    expect(sent.body).toMatchObject({ voided: 1 });
    await t.github.idle();
    expect(approvals.voidCalls).toEqual([
      {
        tenantId: 'acme',
        target: 'acme/api#7',
        digest: `sha:${'b'.repeat(40)}`,
        reason: 'new commits were pushed to acme/api#7',
      },
    ]);
    expect((await approvals.get('acme', 'apr-1'))?.state).toBe('cancelled');
    expect((await approvals.get('acme', 'apr-2'))?.state).toBe('pending');
    // The adapter adds no notice of its own: the approvals module tells each voided request's thread, once (the real
    // module's message is checked in test/e2e/github-approvals.test.ts).
    expect(api.texts().filter((x) => x.includes('apr-1'))).toEqual([]);

    await deliver(t.url, 'pull_request', prEvent('synchronize', { sha: 'b'.repeat(40) }), { id: sent.id });
    await t.github.idle();
    expect(approvals.voidCalls).toHaveLength(1);
  });
});

describe('commands that mean something special in a pull request', () => {
  it('approve without an id decides the one pending request shown in this pull request', async () => {
    const approvals = memoryApprovals();
    const shown = approvals.add({ id: 'apr-7' }, 'acme/api#7', 'a'.repeat(40));
    const t = await start({ approvals });
    const api = fakeGithubApi();
    await t.app.chat.post(
      { platform: 'github', channel: 'acme/api#7', thread: '1001' },
      { text: 'approval', kind: 'approval', key: 'approval:apr-7', approval: shown },
    );
    expect(api.comments[0]?.body).toContain('🔐 **Approval needed** `apr-7`: deploy api to production');
    await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob' }));
    await deliver(t.url, 'issue_comment', prComment('/void reject not ready yet', { login: 'bob' }));
    await t.github.idle();
    expect(await targets(t)).toEqual(['approve apr-7', 'reject apr-7']);
  });

  it('says so when there is no pending request in this pull request', async () => {
    const t = await start({ approvals: memoryApprovals() });
    const api = fakeGithubApi();
    await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob' }));
    await t.github.idle();
    expect(api.texts()[0]).toBe(
      '@bob There is no pending request in this pull request that was made before your comment; nothing was decided.',
    );
  });

  it("deploy <env> deploys this repository at the pull request's head commit", async () => {
    const t = await start();
    fakeGithubApi();
    const head = 'd'.repeat(40);
    nock(GITHUB_API)
      .get('/repos/acme/api/pulls/7')
      .reply(200, { number: 7, head: { sha: head, ref: 'feature' } });
    await deliver(t.url, 'issue_comment', prComment('/void deploy staging', { login: 'erin' }));
    await t.github.idle();
    expect(await targets(t)).toEqual([`deploy api to staging at ${head}`]);
    expect((await jobs(t)).map((j) => j.data.command)).toEqual([
      { name: 'deploy', service: 'api', environment: 'staging', ref: head },
    ]);
  });

  it('help lists what this person can do here, with the requests they may decide', async () => {
    const approvals = memoryApprovals();
    const shown = approvals.add(
      { id: 'apr-9', summary: 'deploy api to production at ddddddd' },
      'acme/api#7',
      'd'.repeat(40),
    );
    const t = await start({ approvals });
    const api = fakeGithubApi();
    await t.app.chat.post(
      { platform: 'github', channel: 'acme/api#7', thread: '1001' },
      { text: 'approval', kind: 'approval', key: 'approval:apr-9', approval: shown },
    );
    await deliver(t.url, 'issue_comment', prComment('/void help', { login: 'bob' }));
    await deliver(t.url, 'issue_comment', prComment('/void help', { login: 'alice' }));
    await t.github.idle();
    const [bob, alice] = api.texts().slice(1);
    expect(bob).toContain(
      '@bob You are Bob Lead (developer, tech_lead) in Acme Payments. In this pull request you can say:',
    );
    expect(bob).toContain('you may decide `apr-9` (deploy api to production at ddddddd)');
    expect(alice).toContain('no pending request in this pull request is waiting for you');
  });
});
