// Signed GitHub webhooks over HTTP into a real Void process on a real Redis (GitHub's API behind nock): what Void
// refuses or survives. Authenticity (signature over the raw bytes, 400 for what is not a webhook, ping), secrets that
// never reach logs, comments or the trail, and dependencies down (503, then the redelivery is processed).
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchableStore } from '../helpers/switchable-store.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
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
import { jobs, records, start, stopStarted } from '../helpers/github-webhooks.js';

afterEach(stopStarted);

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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

describe('secrets', () => {
  it(
    'never writes the webhook secret, ' + 'the App key or an installation token to logs, comments or the audit trail',
    async () => {
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
    },
  );
});

describe('dependencies down', () => {
  /** The embedded audit store, switchable off: what a MongoDB outage looks like to Void. */
  it(
    'acks, does nothing while the audit trail cannot be written, ' + 'and runs the command once it can (retried)',
    async () => {
      const store = new SwitchableStore();
      const t = await start({ app: { auditStore: store } });
      const api = fakeGithubApi();
      store.down = true;
      const first = await deliver(t.url, 'issue_comment', prComment('/void review'));
      expect(first.status).toBe(202);
      await until(async () => t.app.intake.stats.retried >= 1);
      expect(await jobs(t)).toHaveLength(0);
      expect(api.calls).toEqual([]);

      store.down = false;
      await t.github.idle();
      expect(await jobs(t)).toHaveLength(1);
      expect(api.texts()).toHaveLength(1);
    },
  );

  it('tells the pull request that nothing was done when the trail stays unwritable through every attempt', async () => {
    const store = new SwitchableStore();
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
