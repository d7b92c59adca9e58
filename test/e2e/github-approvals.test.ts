// Approvals in a pull request with the real approvals module: a review that policy holds for approval shows its card
// in the PR; `/void approve` without an id decides it; new commits (synchronize) void it, and the PR is told.
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
});

const YAML = GITHUB_TENANTS.replace(
  '    policies: { default: deny, rules: [] }\n    github:',
  '    policies:\n      default: deny\n      rules:\n        - { name: reviewed-reviews, action: review, ' +
    'repository: "acme/*", quorum: 1 tech_lead, voidOnTargetChange: true }\n    github:',
);

/** The pull request's head commit as GitHub would answer it, changeable by the test (a push). */
function headOf(): { set(sha: string): void } {
  let head = 'a'.repeat(40);
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
    }));
  nock(GITHUB_API)
    .persist()
    .get('/repos/acme/api/pulls/7/commits')
    .query(true)
    .reply(200, () => [
      { sha: head, author: { login: 'alice', id: 101 }, commit: { author: { email: 'alice@acme.test' } } },
    ]);
  return { set: (sha) => void (head = sha) };
}

async function start(): Promise<GithubTestApp> {
  const t = await startGithubApp({
    yaml: YAML,
    modules: [approvalsModule(), processorsModule({ review: () => async () => ({ summary: 'reviewed' }) })],
  });
  running.push(t);
  return t;
}

const jobs = (t: GithubTestApp) => t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);

describe('an approval requested in a pull request', () => {
  it('is decided by `/void approve` without an id, and then the review is queued', async () => {
    const t = await start();
    const api = fakeGithubApi();
    headOf();
    await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice' }));
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(0);
    const cardText = api.texts().find((x) => x.includes('**Approval needed**'));
    expect(cardText).toMatch(/🔐 \*\*Approval needed\*\* `ap-[0-9a-f]{16}`: review acme\/api#7/);

    await deliver(t.url, 'issue_comment', prComment('/void approve', { login: 'bob' }));
    await t.github.idle();
    expect(
      (await jobs(t)).map((j) => [j.data.kind, j.data.requester.memberId, j.data.approvalId?.startsWith('ap-')]),
    ).toEqual([['review', 'alice', true]]);
    expect(api.texts().some((x) => x.startsWith('✅ **Approved**'))).toBe(true);
  });

  it('is voided by a push (synchronize) and the pull request is told; approving afterwards is refused', async () => {
    const t = await start();
    const api = fakeGithubApi();
    const head = headOf();
    await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'alice' }));
    await t.github.idle();
    const id = /`(ap-[0-9a-f]{16})`/.exec(api.texts().join('\n'))?.[1] as string;
    expect(id).toBeDefined();

    head.set('b'.repeat(40));
    const before = api.comments.length;
    const pushed = await deliver(
      t.url,
      'pull_request',
      prEvent('synchronize', { sha: 'b'.repeat(40), login: 'alice' }),
    );
    expect(pushed.body).toMatchObject({ voided: 1 });
    await t.github.idle();
    // The pull request is told once (one new comment about it: the rest is the automatic review of the new head), and
    // the request's own card now reads void, not "Cancelled", with why.
    const told = api
      .texts()
      .slice(before)
      .filter((x) => x.includes(id));
    expect(told).toEqual([
      `♻️ Request ${id} (review acme/api#7) is void: new commits were pushed to acme/api#7 (approved at aaaaaaa, ` +
        `head now bbbbbbb). Approvals count only for what will run; ask again.`,
    ]);
    const card = api.texts().find((x) => x.includes(`\`${id}\``) && !x.startsWith('♻️ Request'));
    expect(card).toMatch(new RegExp(`^♻️ \\*\\*Void\\*\\* \`${id}\`: review acme/api#7\n`));
    expect(card).toContain('Void: new commits were pushed to acme/api#7 (approved at aaaaaaa, head now bbbbbbb).');
    expect(card).not.toContain('Cancelled');
    expect((await t.app.provided('approvals')?.get('acme', id))?.state).not.toBe('pending');

    await deliver(t.url, 'issue_comment', prComment(`/void approve ${id}`, { login: 'bob' }));
    await t.github.idle();
    expect((await jobs(t)).filter((j) => j.data.approvalId === id)).toHaveLength(0);
    const audit = await t.app.audit.store.range('acme', 1, 1000);
    expect(audit.some((r) => r.action === 'approval.voided')).toBe(true);
  });
});
