// Dashboard pages through real HTTP into a real Void process: the audit pages. Verifying a large trail streams its
// progress; the audit viewer is for readers only (search, hash links, verify, streamed export); break-glass stays
// unacknowledged until a compliance officer acknowledges it. The set-up is in helpers/dashboard-pages.ts.
import { describe, expect, it } from 'vitest';
import { consoleUser } from '../helpers/approvals.js';
import { signInByLink, WebClient } from '../helpers/dashboard.js';
import { useDashboardPagesApp } from '../helpers/dashboard-pages.js';
import { say } from '../helpers/approvals.js';

const s = useDashboardPagesApp();

describe('dashboard pages: audit and compliance', () => {
  it('verifying a large trail streams its progress (a line per 1,000 records) before the verdict', async () => {
    const actor = { memberId: 'alice', platform: 'console' as const, platformUserId: 'alice' };
    for (let i = 0; i < 2500; i++)
      await s.t.app.audit.append({
        tenantId: 'acme',
        action: 'command.received',
        actor,
        target: `bulk-${i}`,
        outcome: 'success',
        correlationId: `bulk-${i}`,
      });
    const dave = await signInByLink(s.t, consoleUser('dave'));
    const list = await dave.request('/dashboard/t/acme/audit');
    const headSeq = (await s.t.app.audit.store.head('acme'))?.seq ?? 0;
    const res = await fetch(`${s.t.url}/dashboard/t/acme/audit/verify`, {
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
    expect((await s.trail()).filter((r) => r.action === 'audit.verified').map((r) => r.details?.checked)).toEqual([
      headSeq,
    ]);
  });

  it('the audit viewer: readers only; search, a record with its hash links, verify and a streamed export', async () => {
    await s.requestDeploy();
    const bob = await signInByLink(s.t, consoleUser('bob'));
    expect((await bob.request('/dashboard/t/acme/audit')).status).toBe(403);
    const dave = await signInByLink(s.t, consoleUser('dave'));
    const list = await dave.request('/dashboard/t/acme/audit?action=approval.requested');
    expect(list.status).toBe(200);
    expect(list.text).toContain('approval.requested');
    expect(list.text).not.toContain('security.signed_in');
    const head = await s.t.app.audit.store.head('acme');
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
    const exports = (await s.trail()).filter((r) => r.action === 'audit.exported');
    expect(exports.map((r) => [r.actor.platform, r.details?.format])).toEqual([
      ['web', 'jsonl'],
      ['web', 'csv'],
    ]);
  });

  it(
    'compliance: break-glass shows unacknowledged until a compliance ' +
      'officer acknowledges it from the page (through the ack command)',
    async () => {
      const id = await s.requestDeploy();
      const forced = await say(s.t.app, consoleUser('erin'), `breakglass ${id} payments outage INC-4711`);
      expect(forced.replies[0]?.kind).not.toBe('refusal');
      const erin = await signInByLink(s.t, consoleUser('erin'));
      const erinsPage = await erin.request('/dashboard/t/acme/compliance');
      expect(erinsPage.text).toContain('<strong>not acknowledged</strong>');
      expect(erinsPage.text).not.toContain('/compliance/ack');
      const followUp = /name="followUp" value="(fu-[0-9a-f]{10})"/;
      const dave = await signInByLink(s.t, consoleUser('dave'));
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
      const records = (await s.trail()).filter((r) => r.action === 'breakglass.acknowledged');
      expect(records.map((r) => [r.actor.memberId, r.actor.platform])).toEqual([['dave', 'web']]);
    },
  );
});
