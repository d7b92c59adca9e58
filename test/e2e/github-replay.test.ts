// Replays of signed GitHub bodies (RELIABILITY.md 28), driven as an attacker would: an approver's old signed
// `/void approve` comment is sent again under a new X-GitHub-Delivery id while another request is pending; and a
// comment written long ago is delivered. Real approvals module, real Redis, GitHub REST API intercepted by nock.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, GITHUB_API, prComment } from '../helpers/github.js';
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
});

const YAML = GITHUB_TENANTS.replace(
  '    policies: { default: deny, rules: [] }\n    github:',
  '    policies:\n      default: deny\n      rules:\n        - { name: reviewed-reviews, action: review, ' +
    'repository: "acme/*", quorum: 1 tech_lead }\n    github:',
);

async function start(): Promise<GithubTestApp> {
  const t = await startGithubApp({
    yaml: YAML,
    modules: [approvalsModule(), processorsModule({ review: () => async () => ({ summary: 'reviewed' }) })],
  });
  running.push(t);
  nock(GITHUB_API)
    .persist()
    .get('/repos/acme/api/pulls/7')
    .reply(200, {
      number: 7,
      title: 'Add retries',
      body: '',
      user: { login: 'alice' },
      head: { sha: 'a'.repeat(40), ref: 'feature' },
      base: { ref: 'main' },
      draft: false,
      html_url: 'https://github.test/acme/api/pull/7',
    })
    // Approvals bind the pull request's commits and their authors (who may not approve).
    .get('/repos/acme/api/pulls/7/commits')
    .query(true)
    .reply(200, [
      { sha: 'a'.repeat(40), author: { login: 'alice', id: 101 }, commit: { author: { email: 'alice@acme.test' } } },
    ]);
  return t;
}

const jobs = (t: GithubTestApp) => t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);

describe('a signed GitHub body sent again under a new delivery id', () => {
  it(
    'is answered 200 and ignored: ' + 'the approver decides nothing a second time, and the replay is recorded',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      const review = (id: number) => ({
        ...prComment('/void review', { login: 'alice' }),
        comment: { ...prComment('/void review').comment, id },
      });
      await deliver(t.url, 'issue_comment', review(601));
      await t.github.idle();
      const approve = JSON.stringify(prComment('/void approve', { login: 'bob' }));
      const first = await deliver(t.url, 'issue_comment', undefined, { raw: approve });
      expect(first.status).toBe(202);
      await t.github.idle();
      expect(await jobs(t)).toHaveLength(1);

      // Alice asks again: a second request is pending, which bob has never seen.
      await deliver(t.url, 'issue_comment', review(602));
      await t.github.idle();
      const pending = /`(ap-[0-9a-f]{16})`/g;
      const ids = [...api.texts().join('\n').matchAll(pending)].map((m) => m[1] as string);
      const second = ids[ids.length - 1] as string;
      expect((await t.app.provided('approvals')?.get('acme', second))?.state).toBe('pending');

      const replay = await deliver(t.url, 'issue_comment', undefined, { raw: approve });
      await t.github.idle();
      expect(replay).toMatchObject({ status: 200, body: { ignored: 'replay' } });
      expect(replay.id).not.toBe(first.id);
      expect((await t.app.provided('approvals')?.get('acme', second))?.state).toBe('pending');
      expect(await jobs(t)).toHaveLength(1);
      const decisions = (await t.app.audit.store.range('acme', 1, 1000)).filter((r) => r.action === 'approval.decided');
      expect(decisions.length).toBeLessThanOrEqual(1);
      const system = await t.app.audit.store.range(SYSTEM_TENANT, 1, 100);
      expect(system.map((r) => [r.action, r.details?.code])).toContainEqual([
        'security.replay',
        'same_body_new_delivery',
      ]);

      // The platform's own redelivery (same delivery id) is still just a duplicate, not a replay.
      const redelivery = await deliver(t.url, 'issue_comment', undefined, { raw: approve, id: first.id });
      expect(redelivery).toMatchObject({ status: 200, body: { duplicate: true } });
    },
  );
});

describe('a comment older than VOID_MAX_COMMENT_AGE_SECONDS', () => {
  it('is refused with 400 and a reason, and nothing is queued', async () => {
    const t = await start();
    fakeGithubApi();
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000 - 60_000);
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice', at: old }));
    await t.github.idle();
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ error: 'github.stale_comment' });
    expect(String(sent.body.message)).toContain('VOID_MAX_COMMENT_AGE_SECONDS');
    expect(await jobs(t)).toHaveLength(0);
    expect(await t.app.audit.store.range('acme', 1, 100)).toEqual([]);
  });

  it('is accepted while it is younger than the limit', async () => {
    const t = await start();
    fakeGithubApi();
    const recent = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice', at: recent }));
    expect(sent.status).toBe(202);
  });
});
