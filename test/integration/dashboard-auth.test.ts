// Dashboard sign-in through real HTTP into a real Void process (real Redis, real audit trail): chat links, OIDC
// against a loopback provider that signs real ID tokens, cookies, rotation, timeouts, sign-out everywhere, and
// RELIABILITY 34 (forged or expired sessions and links → the sign-in page, recorded).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { SessionStore } from '../../bot/dashboard/sessions.js';
import type { AuditRecord } from '../../audit/types.js';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { consoleUser, githubUser, say } from '../helpers/approvals.js';
import { chatLink, signInByLink, startDashboardApp, WebClient, type DashboardApp } from '../helpers/dashboard.js';

let t: DashboardApp;
const trail = (tenant = 'acme'): Promise<AuditRecord[]> => t.app.audit.store.range(tenant, 1, 100_000);

describe('dashboard sign-in', () => {
  beforeEach(async () => {
    t = await startDashboardApp();
  });
  afterEach(async () => t.stop());

  it('unknown people see only the sign-in page', async () => {
    const web = new WebClient(t.url);
    for (const path of ['/dashboard', '/dashboard/t/acme/inbox', '/dashboard/t/acme/audit', '/dashboard/t/acme/jobs']) {
      const res = await web.request(path);
      expect(res.status, path).toBe(401);
      expect(res.text).toContain('Sign in to Void');
      expect(res.text).not.toContain('Acme Payments');
    }
  });

  it(
    'login in chat answers privately with a single-use link bound to the member; ' + 'opening it does not use it up',
    async () => {
      const link = await chatLink(t, consoleUser('bob'));
      const web = new WebClient(t.url);
      const opened = await web.request(link.replace(t.url, ''));
      expect(opened.status).toBe(200);
      const token = link.split('/').pop() as string;
      expect(opened.text).toContain(`value="${token}"`);
      const first = await web.request('/dashboard/login', { form: { token } });
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/dashboard/t/acme/inbox');
      expect(web.lastSetCookie).toMatch(
        /^void_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=\d+$/,
      );
      const inbox = await web.request('/dashboard/t/acme/inbox');
      expect(inbox.status).toBe(200);
      expect(inbox.text).toContain('Bob Lead');
      const again = await new WebClient(t.url).request('/dashboard/login', { form: { token } });
      expect(again.status).toBe(401);
      expect(again.text).toContain('used already');
      const records = await trail();
      const signedIn = records.filter((r) => r.action === 'security.signed_in');
      expect(signedIn).toHaveLength(1);
      expect(signedIn[0]?.actor).toMatchObject({ memberId: 'bob', platform: 'web' });
      expect(signedIn[0]?.details).toMatchObject({ via: 'link', askedVia: 'console bob' });
      expect((await trail(SYSTEM_TENANT)).find((r) => r.action === 'security.sign_in_refused')?.details).toEqual({
        code: 'dashboard.link_invalid',
      });
      expect(JSON.stringify(records)).not.toContain(token);
    },
  );

  it('a link lives five minutes in Redis, and a PR comment cannot ask for one (it would be public)', async () => {
    const link = await chatLink(t, consoleUser('alice'));
    const redis = new Redis(REDIS_URL);
    const digest = createHash('sha256')
      .update(link.split('/').pop() as string)
      .digest('hex');
    const ttl = await redis.ttl(`${t.prefix}:dash:link:${digest}`);
    await redis.quit();
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
    const fromGithub = await say(t.app, githubUser('alice'), 'login');
    expect(fromGithub.replies[0]?.text).toContain('github comments are public');
    expect(fromGithub.replies[0]?.text).not.toContain('/dashboard/login/');
  });

  it('a forged or ended session shows the sign-in page, clears the cookie and is recorded', async () => {
    const web = new WebClient(t.url);
    web.cookie = 'void_session=forgedforgedforgedforgedforgedforged';
    const res = await web.request('/dashboard/t/acme/inbox');
    expect(res.status).toBe(401);
    expect(res.text).toContain('Your session has ended');
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    const system = await trail(SYSTEM_TENANT);
    expect(
      system.filter((r) => r.action === 'security.session_refused').map((r) => [r.target, r.details?.code]),
    ).toEqual([['/dashboard/t/acme/inbox', 'dashboard.session_invalid']]);
  });

  it('signing in again rotates the session; sign-out everywhere ends every session of the person', async () => {
    const a = await signInByLink(t, consoleUser('bob'));
    const oldCookie = a.cookie;
    const link = await chatLink(t, consoleUser('bob'));
    expect((await a.request('/dashboard/login', { form: { token: link.split('/').pop() as string } })).status).toBe(
      303,
    );
    expect(a.cookie).not.toBe(oldCookie);
    const stale = new WebClient(t.url);
    stale.cookie = oldCookie;
    expect((await stale.request('/dashboard/t/acme/inbox')).status).toBe(401);
    const b = await signInByLink(t, consoleUser('bob'));
    const page = await a.request('/dashboard/t/acme/inbox');
    const out = await a.request('/dashboard/signout-everywhere', { form: { _csrf: WebClient.csrfOf(page.text) } });
    expect(out.status).toBe(200);
    expect(out.text).toContain('Signed out of 2 session(s)');
    expect((await b.request('/dashboard/t/acme/inbox')).status).toBe(401);
    expect((await a.request('/dashboard/t/acme/inbox')).status).toBe(401);
    expect((await trail()).find((r) => r.action === 'security.signed_out')?.details).toEqual({
      everywhere: true,
      sessions: 2,
    });
  });

  it('sessions end after the idle timeout, and after the absolute timeout however busy', async () => {
    const redis = new Redis(REDIS_URL);
    let now = Date.now();
    const store = new SessionStore(redis, uniqueId('sess'), { idleMs: 300, absoluteMs: 10_000 }, () => now);
    const idle = await store.create('acme', 'bob', 'link');
    expect(await store.get(idle.secret)).toBeDefined();
    await new Promise((r) => setTimeout(r, 450));
    expect(await store.get(idle.secret)).toBeUndefined();
    const busy = await store.create('acme', 'bob', 'link');
    now += 9_000;
    expect(await store.get(busy.secret)).toBeDefined();
    now += 1_500;
    expect(await store.get(busy.secret)).toBeUndefined();
    await redis.quit();
  });

  it(
    'OIDC: the provider signs a real ID token; ' + 'the verified email finds the member; the session is the web',
    async () => {
      const web = new WebClient(t.url);
      const choose = await web.request('/dashboard/signin?tenant=acme');
      expect(choose.text).toContain('/dashboard/oidc/start?tenant=acme');
      const done = await web.request('/dashboard/oidc/start?tenant=acme', { follow: true });
      expect(done.status).toBe(200);
      expect(done.text).toContain('Bob Lead');
      expect(t.idp.tokenRequests[0]?.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      const signedIn = (await trail()).filter((r) => r.action === 'security.signed_in');
      expect(signedIn.map((r) => [r.actor.memberId, r.actor.platform, r.details?.via])).toEqual([
        ['bob', 'web', 'oidc'],
      ]);
    },
  );

  it(
    'OIDC: a token signed with another key, a wrong nonce, ' + 'or an unknown email → the sign-in page, recorded',
    async () => {
      const cases: Array<[() => void, string]> = [
        [
          () => {
            t.idp.forge = { wrongKey: true };
          },
          'dashboard.oidc_invalid',
        ],
        [
          () => {
            t.idp.forge = { wrongNonce: true };
          },
          'dashboard.oidc_invalid',
        ],
        [
          () => {
            t.idp.forge = {};
            t.idp.user = { sub: 'okta|mallory', email: 'mallory@evil.example' };
          },
          'dashboard.oidc_unknown',
        ],
        [
          () => {
            t.idp.user = { sub: 'okta|bob2', email: 'bob@acme.example', emailVerified: false };
          },
          'dashboard.oidc_unknown',
        ],
      ];
      for (const [arrange] of cases) {
        arrange();
        const web = new WebClient(t.url);
        const res = await web.request('/dashboard/oidc/start?tenant=acme', { follow: true });
        expect(res.status).toBe(401);
        expect(res.text).toContain('Sign in to Void');
        expect(web.cookie).toBeUndefined();
      }
      const refused = (await trail())
        .filter((r) => r.action === 'security.sign_in_refused')
        .map((r) => r.details?.code);
      expect(refused).toEqual(cases.map(([, code]) => code));
      expect((await trail()).some((r) => r.action === 'security.signed_in')).toBe(false);
    },
  );

  it('a tenant without SSO and an unknown tenant read the same; a replayed callback is refused', async () => {
    const web = new WebClient(t.url);
    const globex = await web.request('/dashboard/signin?tenant=globex');
    const nobody = await web.request('/dashboard/signin?tenant=nobody');
    expect(globex.text.replace(/globex/g, 'X')).toBe(nobody.text.replace(/nobody/g, 'X'));
    const start = await web.request('/dashboard/oidc/start?tenant=acme');
    const atIdp = await web.request(start.headers.get('location') as string);
    const callback = atIdp.headers.get('location') as string;
    expect((await web.request(callback)).status).toBe(303);
    expect((await new WebClient(t.url).request(callback)).status).toBe(401);
  });

  it('signing out ends the session and clears the cookie; sign-in attempts are rate-limited', async () => {
    const web = await signInByLink(t, consoleUser('carol'));
    const cookie = web.cookie;
    const page = await web.request('/dashboard/t/acme/jobs');
    const out = await web.request('/dashboard/signout', { form: { _csrf: WebClient.csrfOf(page.text) } });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const stale = new WebClient(t.url);
    stale.cookie = cookie;
    expect((await stale.request('/dashboard/t/acme/jobs')).status).toBe(401);
    const limited = await startDashboardApp({ env: { VOID_DASHBOARD_SIGNIN_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (
            await new WebClient(limited.url).request('/dashboard/login', {
              form: { token: `guess-${'x'.repeat(30)}-${i}` },
            })
          ).status,
        );
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.stop();
    }
  });
});
