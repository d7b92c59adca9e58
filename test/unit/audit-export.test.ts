// Query parsing, streamed exports (paged reads, pinned head) and the compliance evidence report (golden files).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { csvCell, exportHead, exportLines } from '../../audit/export.js';
import { decodeCursor, encodeCursor, parseQuery } from '../../audit/query.js';
import { collectEvidence, reportCsv, reportMarkdown } from '../../audit/report.js';
import { AuditTrail } from '../../audit/trail.js';
import type { AuditEventInput, AuditFilter, AuditRecord } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import { event } from '../helpers/audit.js';

const golden = (name: string) => readFileSync(new URL(`../fixtures/audit/${name}`, import.meta.url), 'utf8');

describe('audit query parameters', () => {
  it('reads filters, a cursor and a limit', () => {
    const parsed = parseQuery(
      new URLSearchParams(
        `from=2026-11-01&until=2026-11-02T12:00:00Z&actor=bob&action=github.*&target=x&correlationId=c-1&` +
          `cursor=${encodeCursor(40)}&limit=5`,
      ),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        afterSeq: 40,
        limit: 5,
        filter: {
          from: '2026-11-01T00:00:00.000Z',
          until: '2026-11-02T12:00:00.000Z',
          actor: 'bob',
          action: 'github.*',
          target: 'x',
          correlationId: 'c-1',
        },
      },
    });
  });

  it.each([
    ['from=yesterday', '"from"'],
    ['limit=0', '"limit"'],
    ['limit=5000', '"limit"'],
    ['cursor=nope', '"cursor"'],
    ['action=DROP%20TABLE', '"action"'],
    ['until=2026-13-45', '"until"'],
  ])('refuses %s with a clear message', (query, names) => {
    const parsed = parseQuery(new URLSearchParams(query));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.refusal.message).toContain(names);
  });

  it('round-trips cursors and rejects forged ones', () => {
    expect(decodeCursor(encodeCursor(123))).toBe(123);
    expect(decodeCursor(Buffer.from('{"s":-1}').toString('base64url'))).toBeUndefined();
  });
});

/** Counts the pages an export reads, to show that it streams instead of loading the trail. */
class CountingStore extends EmbeddedAuditStore {
  pages: number[] = [];
  override async query(tenantId: string, filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    this.pages.push(limit);
    return super.query(tenantId, filter, afterSeq, limit);
  }
}

describe('streamed export', () => {
  it(
    'reads the store page by page, announces the head ' + 'and leaves out what was appended during the export',
    async () => {
      const store = new CountingStore();
      const trail = new AuditTrail(store);
      for (let i = 0; i < 2500; i++) await trail.append(event('acme'));
      const head = await exportHead(store, 'acme', {});
      const chunks = exportLines(store, head, 'jsonl');
      const first = await chunks.next();
      expect(JSON.parse(first.value as string)).toEqual({
        export: expect.objectContaining({
          tenantId: 'acme',
          headSeq: 2500,
          headHash: (await store.head('acme'))?.hash,
        }),
      });
      await chunks.next();
      expect(store.pages).toEqual([1000]);
      await trail.append(event('acme'));
      let text = '';
      for await (const chunk of chunks) text += chunk;
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditRecord);
      expect(lines.length).toBe(2500 - 200);
      expect(lines[lines.length - 1]?.seq).toBe(2500);
      expect(store.pages.every((limit) => limit <= 1000)).toBe(true);
      expect(store.pages.length).toBe(3);
    },
  );

  it('writes CSV with the head in a comment line, a header, and cells safe from spreadsheet formulas', async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store);
    await trail.append(
      event('acme', { target: '=HYPERLINK("http://evil")', details: { command: 'status', note: undefined } }),
    );
    const head = await exportHead(store, 'acme', {});
    let text = '';
    for await (const chunk of exportLines(store, head, 'csv')) text += chunk;
    const [comment, header, row] = text.trim().split('\n');
    expect(comment).toBe(
      `# void audit export tenant=acme head_seq=1 head_hash=${head.headHash} exported_at=${head.exportedAt}`,
    );
    expect(header).toBe(
      'seq,ts,tenantId,actorMemberId,actorPlatform,actorPlatformUserId,action,target,outcome,details,' +
        'correlationId,prevHash,hash',
    );
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('-1')).toBe("'-1");
  });
});

function approvalStory(): Array<[string, AuditEventInput]> {
  const who = (memberId: string) => ({ memberId, platform: 'slack' as const, platformUserId: `U-${memberId}` });
  const e = (
    action: AuditEventInput['action'],
    actor: string,
    details: Record<string, unknown>,
    target?: string,
  ): AuditEventInput => ({
    tenantId: 'acme',
    action,
    actor: who(actor),
    target,
    outcome: 'success',
    details,
    correlationId: `c-${String(details.approvalId)}`,
  });
  return [
    [
      '2026-11-02T09:00:00Z',
      e('approval.requested', 'alice', {
        approvalId: 'apr-1',
        rule: 'prod-deploys',
        kind: 'deploy',
        summary: 'deploy payments to production at v1.4.2',
      }),
    ],
    ['2026-11-02T09:05:00Z', e('approval.denied', 'alice', { approvalId: 'apr-1', code: 'approval.self_approval' })],
    [
      '2026-11-02T09:10:00Z',
      e('approval.decided', 'bob', { approvalId: 'apr-1', decision: 'approve', state: 'pending' }),
    ],
    [
      '2026-11-02T09:12:00Z',
      e('approval.decided', 'carol', { approvalId: 'apr-1', decision: 'approve', state: 'approved' }),
    ],
    ['2026-11-02T09:12:01Z', e('job.queued', 'carol', { kind: 'deploy', approvalId: 'apr-1' }, 'job-1')],
    ['2026-11-02T09:13:00Z', e('job.completed', 'alice', { kind: 'deploy', approvalId: 'apr-1' }, 'job-1')],
    [
      '2026-11-03T10:00:00Z',
      e('approval.requested', 'bob', {
        approvalId: 'apr-2',
        rule: 'prod-deploys',
        kind: 'deploy',
        summary: 'deploy ledger to production',
      }),
    ],
    ['2026-11-03T10:01:00Z', e('breakglass.used', 'erin', { approvalId: 'apr-2', reasonRef: 'pd-fixed' })],
    [
      '2026-11-03T10:05:00Z',
      e('job.failed', 'bob', { kind: 'deploy', approvalId: 'apr-2', code: 'deploy.failed' }, 'job-2'),
    ],
    [
      '2026-11-04T08:00:00Z',
      e('approval.requested', 'alice', {
        approvalId: 'apr-3',
        rule: 'review-policy',
        kind: 'implement',
        summary: 'implement PAY-7',
      }),
    ],
    [
      '2026-11-04T08:30:00Z',
      e('approval.decided', 'bob', {
        approvalId: 'apr-3',
        decision: 'reject',
        state: 'rejected',
        reason: 'split it up',
      }),
    ],
    ['2026-11-04T09:00:00Z', e('breakglass.acknowledged', 'dave', { approvalId: 'apr-2', followUpId: 'OPS-12' })],
    ['2026-11-05T09:00:00Z', e('command.received', 'alice', { command: 'status' })],
  ];
}

describe('compliance evidence report', () => {
  it(
    'lists every approval-gated request with requester, approvers, ' +
      'rule, break-glass and outcome (golden Markdown and CSV)',
    async () => {
      const store = new EmbeddedAuditStore();
      for (const [ts, input] of approvalStory()) await new AuditTrail(store, { now: () => new Date(ts) }).append(input);
      const verify = await verifyChain(store, 'acme');
      const evidence = await collectEvidence(store, 'acme', { from: '2026-11-01T00:00:00.000Z' });
      const names = new Map([
        ['alice', 'Alice Developer'],
        ['bob', 'Bob Lead'],
        ['carol', 'Carol Ops'],
        ['dave', 'Dave Compliance'],
        ['erin', 'Erin Admin'],
      ]);
      const input = {
        tenantId: 'acme',
        tenantName: 'Acme Payments',
        from: '2026-11-01T00:00:00.000Z',
        until: '2026-12-01T00:00:00.000Z',
        generatedAt: '2026-12-01T08:00:00.000Z',
        verify,
        evidence,
        names,
      };
      const markdown = reportMarkdown(input).replace(verify.head?.hash as string, '<head-hash>');
      expect(markdown).toBe(golden('report.md'));
      expect(reportCsv(input)).toBe(golden('report.csv'));
    },
  );

  it('keeps only the period asked for', async () => {
    const store = new EmbeddedAuditStore();
    for (const [ts, input] of approvalStory()) await new AuditTrail(store, { now: () => new Date(ts) }).append(input);
    const evidence = await collectEvidence(store, 'acme', { from: '2026-11-04T00:00:00.000Z' });
    expect(evidence.map((e) => e.approvalId).sort()).toEqual(['apr-2', 'apr-3']);
    expect(evidence.find((e) => e.approvalId === 'apr-2')?.requestedAt).toBeUndefined();
  });
});
