// Dashboard pages through real HTTP into a real Void process: RELIABILITY 34 (another tenant's ids → 404, no CSRF
// token → 403), 35 (a requester deciding their own request from the web is refused exactly as in chat), 36 (strict
// CSP, nothing typed rendered unescaped), deciding from the web. Audit pages: dashboard-pages-audit.test.ts; jobs and
// live streams: dashboard-pages-live.test.ts; the set-up: helpers/dashboard-pages.ts.
import { describe, expect, it } from 'vitest';
import { consoleUser, say } from '../helpers/approvals.js';
import { signInByLink, WebClient } from '../helpers/dashboard.js';
import { useDashboardPagesApp } from '../helpers/dashboard-pages.js';

const s = useDashboardPagesApp();

describe('dashboard pages', () => {
  it("34: another tenant's ids in any dashboard URL are 404, and a globex member cannot open acme pages", async () => {
    const acmeId = await s.requestDeploy();
    const globexId = await s.requestDeploy('production', {
      platform: 'slack',
      workspaceId: 'T0GLOBEX1',
      userId: 'U0GUS0001',
    });
    const bob = await signInByLink(s.t, consoleUser('bob'));
    const page = await bob.request('/dashboard/t/acme/inbox');
    expect(page.text).toContain(acmeId);
    const csrf = WebClient.csrfOf(page.text);
    expect((await bob.request(`/dashboard/t/acme/approvals/${globexId}`)).status).toBe(404);
    expect(
      (
        await bob.request(`/dashboard/t/acme/approvals/${globexId}/decide`, {
          form: { _csrf: csrf, decision: 'approve' },
        })
      ).status,
    ).toBe(404);
    for (const path of [
      '/dashboard/t/globex/inbox',
      `/dashboard/t/globex/approvals/${globexId}`,
      '/dashboard/t/globex/jobs',
      '/dashboard/t/globex/audit',
      '/dashboard/t/globex/events',
    ]) {
      const res = await bob.request(path);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('Globex');
    }
    const gina = await signInByLink(s.t, { platform: 'slack', workspaceId: 'T0GLOBEX1', userId: 'U0GINA001' });
    expect((await gina.request(`/dashboard/t/acme/approvals/${acmeId}`)).status).toBe(404);
    expect((await gina.request(`/dashboard/t/globex/approvals/${acmeId}`)).status).toBe(404);
    expect((await s.t.app.provided('approvals')?.get('globex', globexId))?.decisions).toEqual([]);
  });

  it(
    "34: a state change without its CSRF token (or with another session's) is 403, " + 'recorded, and decides nothing',
    async () => {
      const id = await s.requestDeploy();
      const bob = await signInByLink(s.t, consoleUser('bob'));
      const carol = await signInByLink(s.t, consoleUser('carol'));
      const carolsToken = WebClient.csrfOf((await carol.request('/dashboard/t/acme/inbox')).text);
      for (const form of [
        { decision: 'approve' },
        { decision: 'approve', _csrf: carolsToken },
        { decision: 'approve', _csrf: '' },
      ] as Array<Record<string, string>>) {
        const res = await bob.request(`/dashboard/t/acme/approvals/${id}/decide`, { form });
        expect(res.status).toBe(403);
        expect(res.text).toContain('security token is missing or wrong');
      }
      expect((await s.t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
      const refused = (await s.trail()).filter((r) => r.action === 'security.csrf_refused');
      expect(refused.map((r) => [r.actor.memberId, r.actor.platform, r.details?.code])).toEqual(
        Array(3).fill(['bob', 'web', 'dashboard.csrf']),
      );
    },
  );

  it('35: the requester deciding their own request from the web is refused exactly as in chat', async () => {
    const id = await s.requestDeploy();
    const inChat = await say(s.t.app, consoleUser('alice'), `approve ${id}`);
    const alice = await signInByLink(s.t, consoleUser('alice'));
    const inbox = await alice.request('/dashboard/t/acme/inbox');
    expect(inbox.text).toContain('Your pending requests (1)');
    expect(inbox.text).toContain('You asked for this: someone else must decide it');
    const res = await alice.request(`/dashboard/t/acme/approvals/${id}/decide`, {
      form: { _csrf: WebClient.csrfOf(inbox.text), decision: 'approve' },
    });
    expect(res.status).toBe(403);
    const webMessage = /<p role="alert" class="refusal" data-code="([^"]+)">([^<]+)<\/p>/.exec(res.text);
    expect(webMessage?.[1]).toBe('approval.self_approval');
    const unescape = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    expect(unescape(webMessage?.[2] ?? '')).toBe(
      inChat.replies[0]?.text.replace('your console account', 'your web account'),
    );
    const denied = (await s.trail()).filter((r) => r.action === 'approval.denied');
    expect(denied.map((r) => [r.actor.platform, r.details?.code])).toEqual([
      ['console', 'approval.self_approval'],
      ['web', 'approval.self_approval'],
    ]);
    expect((await s.t.app.provided('approvals')?.get('acme', id))?.state).toBe('pending');
  });

  it(
    'approving from the web goes through the approvals service: ' +
      'recorded with the web as platform, card updated in the thread',
    async () => {
      const id = await s.requestDeploy();
      const bob = await signInByLink(s.t, consoleUser('bob'));
      const page = await bob.request(`/dashboard/t/acme/approvals/${id}`);
      expect(page.text).toContain('pinned to <code>ref:v1.4.2</code>');
      const res = await bob.request(`/dashboard/t/acme/approvals/${id}/decide`, {
        form: { _csrf: WebClient.csrfOf(page.text), decision: 'approve', reason: 'looks right' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('it still needs 1 more approval from devops');
      const decided = (await s.trail()).filter((r) => r.action === 'approval.decided');
      expect(decided.map((r) => [r.actor.memberId, r.actor.platform])).toEqual([['bob', 'web']]);
      const card = await s.chat.waitFor(
        (p) => p.reply.key === `approval:${id}` && (p.reply.approval?.decisions.length ?? 0) === 1,
      );
      expect(card.reply.approval?.decisions[0]).toMatchObject({
        memberId: 'bob',
        platform: 'web',
        reason: 'looks right',
      });
    },
  );

  it('36: pages carry a strict CSP and security headers; what people typed is escaped', async () => {
    const id = await s.requestDeploy();
    const bob = await signInByLink(s.t, consoleUser('bob'));
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
    const page = await bob.request(`/dashboard/t/acme/approvals/${id}`);
    await bob.request(`/dashboard/t/acme/approvals/${id}/decide`, {
      form: { _csrf: WebClient.csrfOf(page.text), decision: 'reject', reason: evil },
    });
    const erin = await signInByLink(s.t, consoleUser('erin'));
    for (const path of [
      `/dashboard/t/acme/approvals/${id}`,
      `/dashboard/t/acme/audit?actor=${encodeURIComponent(evil)}`,
      `/dashboard/t/acme/tenant?explain=${encodeURIComponent(evil)}`,
      '/dashboard/signin?tenant=%3Cscript%3E',
    ]) {
      const res = await erin.request(path);
      expect(res.headers.get('content-security-policy'), path).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.text, path).not.toMatch(/<script>alert|<img src=x|<script>(?!<\/)/i);
      expect(res.text).not.toMatch(/<script(?![^>]*src="\/dashboard\/static\/app\.js")/);
    }
    expect((await erin.request(`/dashboard/t/acme/approvals/${id}`)).text).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;',
    );
  });
});
