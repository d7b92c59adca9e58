// Signed GitHub webhooks (real payloads from @octokit/webhooks-examples) over HTTP into a real Void process on a real
// Redis; the GitHub REST API is intercepted with nock. What people see in the pull request is asserted.
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { SYSTEM_TENANT, type AuditRecord } from '../../audit/types.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import nock from 'nock';
import { captureAppLogger, testConfig } from '../helpers/app.js';
import {
  appPrivateKey,
  deliver,
  GITHUB_API,
  githubEnv,
  prComment,
  signGitHub,
  TOKEN,
  WEBHOOK_SECRET,
} from '../helpers/github.js';
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

/** Review jobs are available (a test processor that never runs in the web role). */
const reviewKind = processorsModule({ review: () => async () => ({ summary: 'reviewed' }) });

async function start(options: Parameters<typeof startGithubApp>[0] = {}): Promise<GithubTestApp> {
  const t = await startGithubApp({ modules: [reviewKind], ...options });
  running.push(t);
  return t;
}

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function jobs(t: GithubTestApp) {
  return t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
}

async function records(t: GithubTestApp, tenant: string) {
  return t.app.audit.store.range(tenant, 1, 1000);
}

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
    // A redelivery (a new timestamp in the body, the same delivery id) is acked and dropped by the worker's claim.
    const again = await deliver(t.url, 'issue_comment', prComment('/void review'), { id: sent.id });
    await t.github.idle();
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

describe('POST /github/webhooks: authenticity', () => {
  const cases: Array<[string, (body: string) => Record<string, string> | null]> = [
    [
      'a flipped character',
      (body) => ({ 'x-hub-signature-256': signGitHub(body).replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
    ],
    ['no signature', () => null],
    [
      'only the SHA-1 header',
      (body) => ({ 'x-hub-signature': `sha1=${'0'.repeat(40)}`, bodyLength: String(body.length) }),
    ],
    ['a truncated signature', (body) => ({ 'x-hub-signature-256': signGitHub(body).slice(0, 40) })],
    ['another secret', (body) => ({ 'x-hub-signature-256': signGitHub(body, 'not-the-secret') })],
    ['a signature of other bytes', (body) => ({ 'x-hub-signature-256': signGitHub(`${body} `) })],
  ];
  it.each(cases)(
    'refuses %s with 401, touches nothing and records security.bad_signature',
    async (_name, headersFor) => {
      const t = await start();
      const api = fakeGithubApi();
      const body = JSON.stringify(prComment('/void review'));
      const h = headersFor(body);
      const headers = h ? Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-'))) : {};
      const sent = await deliver(t.url, 'issue_comment', undefined, {
        raw: body,
        signature: h?.['x-hub-signature-256'] ?? null,
        headers,
      });
      await t.github.idle();
      expect(sent.status).toBe(401);
      expect(sent.body.error).toBe('github.bad_signature');
      expect(await jobs(t)).toHaveLength(0);
      expect(api.calls).toEqual([]);
      const system = await records(t, SYSTEM_TENANT);
      expect(system.map((r) => r.action)).toEqual(['security.bad_signature']);
      expect(system[0]?.outcome).toBe('denied');
      expect(JSON.stringify(system)).not.toContain(WEBHOOK_SECRET);
      expect(await records(t, 'acme')).toEqual([]);
    },
  );

  it('verifies the raw bytes: emoji, "+" and "%20" in a comment are accepted as sent', async () => {
    const t = await start();
    fakeGithubApi();
    const sent = await deliver(t.url, 'issue_comment', prComment('/void review\nthanks 🙏 a+b %20 ü'));
    expect(sent.status).toBe(202);
  });

  it('answers 400 to a signed body that is not JSON, and to missing event headers', async () => {
    const t = await start();
    const raw = '{"action": "created", ';
    expect((await deliver(t.url, 'issue_comment', undefined, { raw })).status).toBe(400);
    const noEvent = await deliver(t.url, '', prComment('/void review'));
    expect(noEvent.status).toBe(400);
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect((await deliver(t.url, 'issue_comment', undefined, { raw: deep })).status).toBe(400); // RELIABILITY.md item 8
    const proto = JSON.stringify({ __proto__: { polluted: true }, action: 'created' }).replace(
      '"action"',
      '"__proto__":{"x":1},"action"',
    );
    expect((await deliver(t.url, 'issue_comment', undefined, { raw: proto })).status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers ping with 200', async () => {
    const t = await start();
    const sent = await deliver(t.url, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(sent).toMatchObject({ status: 200, body: { message: 'pong' } });
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

  it('refuses a sender who is not a member with a 😕 and a note that names nobody, whatever their author_association says', async () => {
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
  });

  it('refuses "review acme/api" (no #number) at once with a clear reason, where no local repository backs Void', async () => {
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
  });

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

  it('does not run edited comments: says so when the command changed, stays quiet otherwise; ignores deletions', async () => {
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
  });

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

describe('secrets', () => {
  it('never writes the webhook secret, the App key or an installation token to logs, comments or the audit trail', async () => {
    const key = appPrivateKey();
    const { log, lines } = captureAppLogger(testConfig({ env: githubEnv() }), 'debug');
    const t = await start({ log });
    // A GitHub that fails to take the reaction: the failure is logged, the answer still goes out.
    const failing = nock(GITHUB_API)
      .post('/repos/acme/api/issues/comments/556/reactions')
      .times(4)
      .reply(502, { message: `upstream said ${TOKEN}` });
    const api = fakeGithubApi();
    const payload = prComment('/void review');
    payload.comment.id = 556;
    await deliver(t.url, 'issue_comment', payload);
    await deliver(t.url, 'issue_comment', prComment('/void review'), { signature: signGitHub('x', 'wrong') });
    await t.github.idle();
    expect(api.texts()).toHaveLength(1);
    const everything = [
      lines.join('\n'),
      JSON.stringify(api.calls),
      JSON.stringify(await t.app.audit.store.range('acme', 1, 1000)),
      JSON.stringify(await t.app.audit.store.range(SYSTEM_TENANT, 1, 1000)),
    ].join('\n');
    expect(failing.isDone()).toBe(true);
    expect(lines.join('')).toContain('GitHub: reaction failed');
    for (const secret of [WEBHOOK_SECRET, TOKEN, key, key.split('\n')[1] as string])
      expect(everything).not.toContain(secret);
  });
});

describe('dependencies down', () => {
  /** The embedded audit store, switchable off: what a MongoDB outage looks like to Void. */
  class FlakyStore extends EmbeddedAuditStore {
    down = false;
    override async insert(record: AuditRecord): Promise<boolean> {
      if (this.down) throw new Error('store unreachable');
      return super.insert(record);
    }
  }

  it('acks, does nothing while the audit trail cannot be written, and runs the command once it can (retried)', async () => {
    const store = new FlakyStore();
    const t = await start({ app: { auditStore: store } });
    const api = fakeGithubApi();
    store.down = true;
    const first = await deliver(t.url, 'issue_comment', prComment('/void review'));
    expect(first.status).toBe(202);
    await until(async () => ((await t.app.intake.queue.getJobs(['delayed', 'failed']))[0]?.attemptsMade ?? 0) >= 1);
    expect(await jobs(t)).toHaveLength(0);
    expect(api.calls).toEqual([]);

    store.down = false;
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(1);
    expect(api.texts()).toHaveLength(1);
  });

  it('tells the pull request that nothing was done when the trail stays unwritable through every attempt', async () => {
    const store = new FlakyStore();
    const t = await start({ app: { auditStore: store } });
    const api = fakeGithubApi();
    store.down = true;
    expect((await deliver(t.url, 'issue_comment', prComment('/void review'))).status).toBe(202);
    await t.github.idle();
    expect(await jobs(t)).toHaveLength(0);
    expect(api.texts()).toEqual([
      '@alice The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
    ]);
  });
});
