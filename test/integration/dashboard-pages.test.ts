// Dashboard pages through real HTTP into a real Void process: RELIABILITY 34 (another tenant's ids → 404, no CSRF
// token → 403), 35 (a requester deciding their own request from the web is refused exactly as in chat), 36 (strict
// CSP, nothing typed rendered unescaped), the audit viewer, the live job stream and retry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import type { VoidModule } from '../../bot/modules.js';
import type { AuditRecord } from '../../audit/types.js';
import { consoleUser, recordThreads, say, type RecordingChat } from '../helpers/approvals.js';
import { signInByLink, startDashboardApp, WebClient, type DashboardApp } from '../helpers/dashboard.js';

let t: DashboardApp;
let chat: RecordingChat;
let release: () => void = () => undefined;

/** A deploy processor that reports progress, then waits for the test; "fail" deploys fail once for good. */
const slowDeploy: VoidModule = {
  name: 'test-slow-deploy',
  async setup() {
    const deploy: Processor = async (ctx) => {
      if (ctx.data.command.name === 'deploy' && ctx.data.command.environment === 'critical')
        throw new Error('the cluster refused the rollout');
      await ctx.progress('building the image', 0.4);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { summary: 'deployed' };
    };
    return { kinds: ['deploy'] as JobKind[], processors: () => new Map<JobKind, Processor>([['deploy', deploy]]) };
  },
};

const trail = (tenant = 'acme'): Promise<AuditRecord[]> => t.app.audit.store.range(tenant, 1, 100_000);

async function requestDeploy(env = 'production', who = consoleUser('alice'), ref = 'v1.4.2'): Promise<string> {
  const result = await say(t.app, who, `deploy payments to ${env} at ${ref}`);
  const id = result.replies[0]?.approval?.id;
  if (!id) throw new Error(result.replies.map((r) => r.text).join('\n'));
  return id;
}

describe('dashboard pages', () => {
  beforeEach(async () => {
    t = await startDashboardApp({ modules: [slowDeploy], env: { VOID_JOB_ATTEMPTS: '1' } });
    chat = recordThreads(t.app);
  });
  afterEach(async () => {
    release();
    await t.stop();
  });

  it("34: another tenant's ids in any dashboard URL are 404, and a globex member cannot open acme pages", async () => {
    const acmeId = await requestDeploy();
    const globexId = await requestDeploy('production', {
      platform: 'slack',
      workspaceId: 'T0GLOBEX1',
      userId: 'U0GUS0001',
    });
    const bob = await signInByLink(t, consoleUser('bob'));
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
    const gina = await signInByLink(t, { platform: 'slack', workspaceId: 'T0GLOBEX1', userId: 'U0GINA001' });
    expect((await gina.request(`/dashboard/t/acme/approvals/${acmeId}`)).status).toBe(404);
    expect((await gina.request(`/dashboard/t/globex/approvals/${acmeId}`)).status).toBe(404);
    expect((await t.app.provided('approvals')?.get('globex', globexId))?.decisions).toEqual([]);
  });

  it("34: a state change without its CSRF token (or with another session's) is 403, recorded, and decides nothing", async () => {
    const id = await requestDeploy();
    const bob = await signInByLink(t, consoleUser('bob'));
    const carol = await signInByLink(t, consoleUser('carol'));
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
    expect((await t.app.provided('approvals')?.get('acme', id))?.decisions).toEqual([]);
    const refused = (await trail()).filter((r) => r.action === 'security.csrf_refused');
    expect(refused.map((r) => [r.actor.memberId, r.actor.platform, r.details?.code])).toEqual(
      Array(3).fill(['bob', 'web', 'dashboard.csrf']),
    );
  });

  it('35: the requester deciding their own request from the web is refused exactly as in chat', async () => {
    const id = await requestDeploy();
    const inChat = await say(t.app, consoleUser('alice'), `approve ${id}`);
    const alice = await signInByLink(t, consoleUser('alice'));
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
    const denied = (await trail()).filter((r) => r.action === 'approval.denied');
    expect(denied.map((r) => [r.actor.platform, r.details?.code])).toEqual([
      ['console', 'approval.self_approval'],
      ['web', 'approval.self_approval'],
    ]);
    expect((await t.app.provided('approvals')?.get('acme', id))?.state).toBe('pending');
  });

  it('approving from the web goes through the approvals service: recorded with the web as platform, card updated in the thread', async () => {
    const id = await requestDeploy();
    const bob = await signInByLink(t, consoleUser('bob'));
    const page = await bob.request(`/dashboard/t/acme/approvals/${id}`);
    expect(page.text).toContain('pinned to <code>ref:v1.4.2</code>');
    const res = await bob.request(`/dashboard/t/acme/approvals/${id}/decide`, {
      form: { _csrf: WebClient.csrfOf(page.text), decision: 'approve', reason: 'looks right' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('it still needs 1 more approval from devops');
    const decided = (await trail()).filter((r) => r.action === 'approval.decided');
    expect(decided.map((r) => [r.actor.memberId, r.actor.platform])).toEqual([['bob', 'web']]);
    const card = await chat.waitFor(
      (p) => p.reply.key === `approval:${id}` && (p.reply.approval?.decisions.length ?? 0) === 1,
    );
    expect(card.reply.approval?.decisions[0]).toMatchObject({
      memberId: 'bob',
      platform: 'web',
      reason: 'looks right',
    });
  });

  it('36: pages carry a strict CSP and security headers; what people typed is escaped', async () => {
    const id = await requestDeploy();
    const bob = await signInByLink(t, consoleUser('bob'));
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
    const page = await bob.request(`/dashboard/t/acme/approvals/${id}`);
    await bob.request(`/dashboard/t/acme/approvals/${id}/decide`, {
      form: { _csrf: WebClient.csrfOf(page.text), decision: 'reject', reason: evil },
    });
    const erin = await signInByLink(t, consoleUser('erin'));
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

  it('verifying a large trail streams its progress (a line per 1,000 records) before the verdict', async () => {
    const actor = { memberId: 'alice', platform: 'console' as const, platformUserId: 'alice' };
    for (let i = 0; i < 2500; i++)
      await t.app.audit.append({
        tenantId: 'acme',
        action: 'command.received',
        actor,
        target: `bulk-${i}`,
        outcome: 'success',
        correlationId: `bulk-${i}`,
      });
    const dave = await signInByLink(t, consoleUser('dave'));
    const list = await dave.request('/dashboard/t/acme/audit');
    const headSeq = (await t.app.audit.store.head('acme'))?.seq ?? 0;
    const res = await fetch(`${t.url}/dashboard/t/acme/audit/verify`, {
      method: 'POST',
      headers: { cookie: dave.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(WebClient.csrfOf(list.text))}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    const text = await res.text();
    const at = (needle: string) => text.indexOf(needle);
    expect(at(`Verifying ${headSeq} record(s)`)).toBeGreaterThan(0);
    expect(at('Checked 1000 record(s)')).toBeGreaterThan(at('Verifying'));
    expect(at('Checked 2000 record(s)')).toBeGreaterThan(at('Checked 1000 record(s)'));
    expect(at('data-ok="true"')).toBeGreaterThan(at('Checked 2000 record(s)'));
    expect(text).toContain(`${headSeq} record(s), records 1 to ${headSeq}`);
    expect(text.trimEnd().endsWith('</html>')).toBe(true);
    expect((await trail()).filter((r) => r.action === 'audit.verified').map((r) => r.details?.checked)).toEqual([
      headSeq,
    ]);
  });

  it('the audit viewer: readers only; search, a record with its hash links, verify and a streamed export', async () => {
    await requestDeploy();
    const bob = await signInByLink(t, consoleUser('bob'));
    expect((await bob.request('/dashboard/t/acme/audit')).status).toBe(403);
    const dave = await signInByLink(t, consoleUser('dave'));
    const list = await dave.request('/dashboard/t/acme/audit?action=approval.requested');
    expect(list.status).toBe(200);
    expect(list.text).toContain('approval.requested');
    expect(list.text).not.toContain('security.signed_in');
    const head = await t.app.audit.store.head('acme');
    const record = await dave.request(`/dashboard/t/acme/audit/records/${head?.seq}`);
    expect(record.text).toContain(head?.hash);
    expect(record.text).toContain(head?.prevHash);
    expect((await dave.request('/dashboard/t/acme/audit?from=yesterday')).status).toBe(400);
    const verify = await dave.request('/dashboard/t/acme/audit/verify', {
      form: { _csrf: WebClient.csrfOf(list.text) },
    });
    expect(verify.text).toContain('data-ok="true"');
    const exported = await dave.request('/dashboard/t/acme/audit/export?format=jsonl');
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect((lines[0]?.export as { headSeq: number }).headSeq).toBe(
      exported.headers.get('x-void-audit-head')?.split(':').map(Number)[0],
    );
    expect(lines.slice(1).map((r) => r.action)).toContain('audit.verified');
    const csv = await dave.request('/dashboard/t/acme/audit/export?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\n')[1]).toBe(
      'seq,ts,tenantId,actorMemberId,actorPlatform,actorPlatformUserId,action,target,outcome,details,' +
        'correlationId,prevHash,hash',
    );
    const exports = (await trail()).filter((r) => r.action === 'audit.exported');
    expect(exports.map((r) => [r.actor.platform, r.details?.format])).toEqual([
      ['web', 'jsonl'],
      ['web', 'csv'],
    ]);
  });

  it('jobs: progress arrives on the event stream within a second, without reloading', async () => {
    const id = await requestDeploy();
    const carol = await signInByLink(t, consoleUser('carol'));
    const controller = new AbortController();
    const res = await fetch(`${t.url}/dashboard/t/acme/events?topic=jobs`, {
      headers: { cookie: carol.cookie ?? '' },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const waitFor = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!seen.includes(needle) && Date.now() < deadline)
        seen += new TextDecoder().decode((await reader.read()).value);
      return seen.includes(needle);
    };
    expect(await waitFor('event: jobs')).toBe(true);
    await say(t.app, consoleUser('bob'), `approve ${id}`);
    await say(t.app, consoleUser('carol'), `approve ${id}`);
    const started = Date.now();
    expect(await waitFor('building the image')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(seen).toContain(`deploy-appr-acme-${id}`);
    controller.abort();
  });

  it('jobs: a failed job can be retried by its requester (not by others without devops or admin), recorded', async () => {
    const id = await requestDeploy('critical');
    await say(t.app, consoleUser('bob'), `approve ${id}`);
    await say(t.app, consoleUser('carol'), `approve ${id}`);
    const jobId = `deploy-appr-acme-${id}`;
    await expect.poll(async () => (await t.app.queue.summary('acme', jobId))?.state, { timeout: 8000 }).toBe('failed');
    const dave = await signInByLink(t, consoleUser('dave'));
    const davesPage = await dave.request('/dashboard/t/acme/jobs?state=failed');
    expect(davesPage.text).toContain(jobId);
    expect(davesPage.text).not.toContain(`/jobs/${jobId}/retry`);
    expect(
      (
        await dave.request(`/dashboard/t/acme/jobs/${jobId}/retry`, {
          form: { _csrf: WebClient.csrfOf(davesPage.text) },
        })
      ).status,
    ).toBe(403);
    const alice = await signInByLink(t, consoleUser('alice'));
    const page = await alice.request('/dashboard/t/acme/jobs');
    expect(page.text).toContain(`/jobs/${jobId}/retry`);
    const retried = await alice.request(`/dashboard/t/acme/jobs/${jobId}/retry`, {
      form: { _csrf: WebClient.csrfOf(page.text) },
    });
    expect(retried.status).toBe(303);
    await expect.poll(async () => (await t.app.queue.summary('acme', jobId))?.attemptsMade, { timeout: 8000 }).toBe(2);
    const queued = (await trail()).filter((r) => r.action === 'job.queued' && r.details?.retry === true);
    expect(queued.map((r) => [r.actor.memberId, r.actor.platform, r.target])).toEqual([['alice', 'web', jobId]]);
    expect(
      (
        await alice.request('/dashboard/t/acme/jobs/deploy-nope/retry', {
          form: { _csrf: WebClient.csrfOf(page.text) },
        })
      ).status,
    ).toBe(404);
  });

  it('the inbox stream shows a new request live, and an open stream does not hold up shutdown', async () => {
    const bob = await signInByLink(t, consoleUser('bob'));
    const res = await fetch(`${t.url}/dashboard/t/acme/events?topic=inbox`, { headers: { cookie: bob.cookie ?? '' } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const waitFor = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!seen.includes(needle) && Date.now() < deadline)
        seen += new TextDecoder().decode((await reader.read()).value);
      return seen.includes(needle);
    };
    expect(await waitFor('Waiting for your decision (0)')).toBe(true);
    const id = await requestDeploy();
    expect(await waitFor(id)).toBe(true);
    const stopping = Date.now();
    await t.app.http?.close();
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect((await reader.read()).done).toBe(true);
  });

  it('compliance: break-glass shows unacknowledged until a compliance officer acknowledges it from the page (through the ack command)', async () => {
    const id = await requestDeploy();
    const forced = await say(t.app, consoleUser('erin'), `breakglass ${id} payments outage INC-4711`);
    expect(forced.replies[0]?.kind).not.toBe('refusal');
    const erin = await signInByLink(t, consoleUser('erin'));
    const erinsPage = await erin.request('/dashboard/t/acme/compliance');
    expect(erinsPage.text).toContain('<strong>not acknowledged</strong>');
    expect(erinsPage.text).not.toContain('/compliance/ack');
    const followUp = /name="followUp" value="(fu-[0-9a-f]{10})"/;
    const dave = await signInByLink(t, consoleUser('dave'));
    const page = await dave.request('/dashboard/t/acme/compliance');
    const fu = followUp.exec(page.text)?.[1] as string;
    expect(fu).toBeTruthy();
    const refusedForErin = await erin.request('/dashboard/t/acme/compliance/ack', {
      form: { _csrf: WebClient.csrfOf(erinsPage.text), followUp: fu },
    });
    expect(refusedForErin.status).toBe(403);
    expect(refusedForErin.text).toContain('Only a compliance officer may acknowledge');
    const acked = await dave.request('/dashboard/t/acme/compliance/ack', {
      form: { _csrf: WebClient.csrfOf(page.text), followUp: fu },
    });
    expect(acked.status).toBe(200);
    expect(acked.text).toContain(`Follow-up ${fu} acknowledged`);
    expect((await dave.request('/dashboard/t/acme/compliance')).text).toContain('acknowledged by Dave Compliance');
    const records = (await trail()).filter((r) => r.action === 'breakglass.acknowledged');
    expect(records.map((r) => [r.actor.memberId, r.actor.platform])).toEqual([['dave', 'web']]);
  });

  it("system: admins only; queue, workers and today's model spend of the tenant", async () => {
    const redis = t.app.redis;
    await redis.hset(
      `${t.prefix}:llm:budget:acme:${new Date().toISOString().slice(0, 10)}`,
      'tokens',
      '1234',
      'microUsd',
      '560000',
    );
    const bob = await signInByLink(t, consoleUser('bob'));
    expect((await bob.request('/dashboard/t/acme/system')).status).toBe(403);
    const erin = await signInByLink(t, consoleUser('erin'));
    const page = await erin.request('/dashboard/t/acme/system');
    expect(page.status).toBe(200);
    expect(page.text).toContain('1234 tokens (no token budget); $0.56 (no cost budget)');
    expect(page.text).toMatch(/Workers connected<\/dt><dd>[1-9]/);
  });
});
