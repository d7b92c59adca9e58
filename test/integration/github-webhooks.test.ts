// Signed GitHub webhooks (real payloads from @octokit/webhooks-examples) over HTTP into a real Void process on a real
// Redis; the GitHub REST API is intercepted with nock. What people see in the pull request is asserted. What Void
// refuses or survives: github-webhooks-guards.test.ts; the set-up: helpers/github-webhooks.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, prComment } from '../helpers/github.js';
import { jobs, records, start, stopStarted } from '../helpers/github-webhooks.js';

afterEach(stopStarted);

describe('POST /github/webhooks: a /void review comment', () => {
  it('reacts with 👀, queues one review job and answers in the pull request; a redelivery does nothing', async () => {
    const t = await start();
    const api = fakeGithubApi();
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review'));
    expect(sent.status).toBe(202);
    await t.github.idle();

    const queued = await jobs(t);
    expect(queued).toHaveLength(1);
    expect(queued[0]?.data).toMatchObject({
      kind: 'review',
      tenantId: 'acme',
      command: { name: 'review', repo: { owner: 'acme', name: 'api' }, number: 7 },
      thread: { platform: 'github', channel: 'acme/api#7', thread: '1001' },
      deliveryId: sent.id,
      requester: { memberId: 'alice', platform: 'github', platformUserId: 'alice' },
    });
    expect(api.calls.filter((c) => c.path.endsWith('/issues/comments/555/reactions'))).toEqual([
      expect.objectContaining({ body: { content: 'eyes' } }),
    ]);
    expect(api.texts()).toEqual([`🕐 review acme/api#7: queued as job ${queued[0]?.id}`]);
    expect(api.comments[0]?.body).toContain(`<!-- void:reply:job:${queued[0]?.id} -->`);
    expect(api.unmatched).toEqual([]);

    const callsBefore = api.calls.length;
    const again = await deliver(t.url, 'issue_comment', prComment('/void review'), { id: sent.id });
    await t.github.idle();
    // A redelivery (a new timestamp in the body, the same delivery id) is acked and dropped by the worker's claim.
    expect(again.status).toBe(202);
    expect(await jobs(t)).toHaveLength(1);
    expect(api.calls.length).toBe(callsBefore);
  });

  it('answers a review comment (pull_request_review_comment) the same way', async () => {
    const t = await start();
    const api = fakeGithubApi();
    const { example } = await import('../helpers/github.js');
    const p = example('pull_request_review_comment', 'created', (x) => Boolean(x.installation));
    Object.assign(p, { installation: { id: 1001 } });
    p.repository.name = 'api';
    p.repository.owner.login = 'acme';
    p.pull_request.number = 7;
    p.comment.id = 777;
    p.comment.body = '/void review';
    p.comment.created_at = p.comment.updated_at = new Date().toISOString();
    p.sender.login = 'bob';
    const sent = await deliver(t.url, 'pull_request_review_comment', p);
    expect(sent.status).toBe(202);
    await t.github.idle();
    expect(api.calls.some((c) => c.path.endsWith('/pulls/comments/777/reactions'))).toBe(true);
    const queued = await jobs(t);
    expect(queued.map((j) => j.data.requester.memberId)).toEqual(['bob']);
    expect(api.texts()[0]).toMatch(/^🕐 review acme\/api#7: queued as job review-/);
  });
});

describe('POST /github/webhooks: who is speaking, and where', () => {
  it('tells the people of an installation that is not connected to a tenant, and queues nothing', async () => {
    const t = await start();
    const api = fakeGithubApi({ installation: 9999 });
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review', { installation: 9999 }));
    expect(sent.status).toBe(202);
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(0);
    expect(api.texts()).toEqual([
      '@alice This workspace is not connected to Void. Ask your Void administrator to add it to the tenants file.',
    ]);
    expect((await records(t, SYSTEM_TENANT)).map((r) => [r.action, r.details?.code])).toEqual([
      ['request.rejected', 'identity.unknown_workspace'],
    ]);
  });

  it('does nothing for a repository of another organisation than the one the installation is bound to', async () => {
    const t = await start();
    const api = fakeGithubApi({ owner: 'globex' });
    const payload = prComment('/void review');
    payload.repository.owner.login = 'globex';
    expect((await deliver(t.url, 'issue_comment', payload)).status).toBe(202);
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(0);
    expect(api.texts()).toEqual([
      '@alice This GitHub installation is bound to the organisation "acme" in Void\'s tenants file, ' +
        'but this repository belongs to "globex", so nothing was done. Ask your Void administrator to check ' +
        'bindings.github.',
    ]);
  });

  it(
    'refuses a sender who is not a member with a 😕 and a note that names nobody, ' +
      'whatever their author_association says',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      const payload = prComment('/void review', { login: 'mallory' });
      payload.comment.author_association = 'OWNER';
      const sent = await deliver(t.url, 'issue_comment', payload);
      expect(sent.status).toBe(202);
      await t.github.idle();
      expect(await jobs(t)).toHaveLength(0);
      // Everyone reads a pull request: no admin's name, no tenant name, just what to do.
      expect(api.texts()).toEqual([
        "@mallory Void did not act on this: your github account is not linked to a member of this organisation's " +
          'Void. If you should be able to use Void here, ask your Void administrators to add your github account to ' +
          'the tenants file.',
      ]);
      expect(api.texts().join('\n')).not.toMatch(/Erin|Acme Payments|admin of/);
      const reactions = api.calls.filter((c) => c.path.endsWith('/reactions'));
      expect(reactions.map((c) => c.body.content)).toEqual(['confused']);
      const acme = await records(t, 'acme');
      expect(acme.map((r) => [r.action, r.outcome, r.actor.platformUserId, r.details?.code])).toEqual([
        ['request.rejected', 'denied', 'mallory', 'identity.unknown_user'],
      ]);
    },
  );

  it(
    'refuses "review acme/api" (no #number) at once with a clear reason, ' + 'where no local repository backs Void',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      await deliver(t.url, 'issue_comment', prComment('/void review acme/api'));
      await t.github.idle();
      expect(await jobs(t)).toHaveLength(0);
      expect(api.texts()).toEqual([
        expect.stringContaining(
          '"acme/api" is not a pull request like acme/api#42 (a local revision such as HEAD~1 or a branch can be ' +
            'reviewed only where a local Git repository backs Void',
        ),
      ]);
      const acme = await records(t, 'acme');
      expect(acme.map((r) => [r.action, r.outcome, r.details?.code])).toEqual([
        ['command.received', 'failure', 'command.unparsable'],
      ]);
    },
  );

  it('answers a command typed in a plain issue with a short note and does nothing else', async () => {
    const t = await start();
    const api = fakeGithubApi();
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review', { onPullRequest: false }));
    expect(sent).toMatchObject({ status: 202, body: { queued: true } });
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(0);
    expect(api.texts()).toEqual([
      '@alice Void acts on pull requests: `/void` commands work in pull request comments and review comments, ' +
        'not in issues. Nothing was done.',
    ]);
    expect(api.calls.some((c) => c.path.includes('reactions'))).toBe(false);
  });

  it(
    'does not run edited comments: ' + 'says so when the command changed, stays quiet otherwise; ignores deletions',
    async () => {
      const t = await start();
      const api = fakeGithubApi();
      const changed = await deliver(
        t.url,
        'issue_comment',
        prComment('/void review', { action: 'edited', from: 'LGTM' }),
      );
      const unchanged = await deliver(
        t.url,
        'issue_comment',
        prComment('/void review\n\nfixed a typo below', { action: 'edited', from: '/void review\n\nfixd a typo' }),
      );
      const deleted = await deliver(t.url, 'issue_comment', prComment('/void review', { action: 'deleted' }));
      await t.github.idle();
      expect(changed).toMatchObject({ status: 202, body: { queued: true } });
      expect(unchanged.status).toBe(200);
      expect(deleted.status).toBe(200);
      expect(await jobs(t)).toHaveLength(0);
      expect(api.texts()).toEqual([
        '@alice Void does not run commands from edited comments, so that changing an old comment never repeats or ' +
          'alters what was done. Post a new comment with the command instead. Nothing was done.',
      ]);
    },
  );

  it("ignores comments by bots and comments that carry Void's own marker (no loops)", async () => {
    const t = await start();
    const api = fakeGithubApi();
    const bot = prComment('/void review', { login: 'void-app[bot]' });
    bot.sender.type = 'Bot';
    const own = prComment('/void review\n\n<!-- void:reply -->', { login: 'alice' });
    const plain = prComment('LGTM, ship it');
    for (const p of [bot, own, plain]) expect((await deliver(t.url, 'issue_comment', p)).status).toBe(200);
    await t.github.idle();
    expect(api.calls).toEqual([]);
    expect(await jobs(t)).toHaveLength(0);
  });

  it('gives usage help for a command it cannot parse, in the pull request', async () => {
    const t = await start();
    const api = fakeGithubApi();
    await deliver(t.url, 'issue_comment', prComment('/void frobnicate now'));
    await t.github.idle();
    expect(api.texts()[0]).toMatch(/^@alice Unknown command "frobnicate"\.\n\n```text\nCommands:\n/);
  });
});
