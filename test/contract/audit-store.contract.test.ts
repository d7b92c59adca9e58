// One contract every audit store passes: the embedded store always, MongoDB wherever one is reachable (MONGODB_URL or
// a mongod that mongodb-memory-server can start). Covers append-only chaining with concurrent writers, tenant
// isolation of every method, queries with cursors, tamper evidence (each field, deletion, reordering), retention
// checkpoints and the personal data store.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashRecord } from '../../audit/hash.js';
import { pruneTenant } from '../../audit/retention.js';
import { AuditTrail } from '../../audit/trail.js';
import type { AuditRecord, AuditStore } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import {
  durableLeg,
  embeddedLeg,
  event,
  mongoLeg,
  startMongoLeg,
  type StoreLeg,
  type Tamper,
} from '../helpers/audit.js';

const mongo = await startMongoLeg();
afterAll(() => mongo.stop());
const legs: StoreLeg[] = [durableLeg, embeddedLeg];
if (mongo.url) legs.push(mongoLeg(mongo.url));
else console.log(`SKIPPED: MongoDB leg of the audit store contract: ${mongo.reason}. Set MONGODB_URL to run it.`);

async function fill(trail: AuditTrail, tenantId: string, n: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(await trail.append(event(tenantId)));
  return out;
}

describe.each(legs)('audit store contract: $name', (leg) => {
  let store: AuditStore;
  let tamper: Tamper;
  let cleanup: () => Promise<void>;
  let trail: AuditTrail;
  beforeEach(async () => {
    ({ store, tamper, cleanup } = await leg.open());
    trail = new AuditTrail(store);
  });
  afterEach(async () => cleanup());

  it('appends a gap-free hash chain per tenant and refuses a taken sequence number', async () => {
    const [a, b, c] = await fill(trail, 'acme', 3);
    expect([a?.seq, b?.seq, c?.seq]).toEqual([1, 2, 3]);
    expect(b?.prevHash).toBe(a?.hash);
    expect(c?.prevHash).toBe(b?.hash);
    expect((await store.head('acme'))?.hash).toBe(c?.hash);
    expect(await store.insert({ ...(c as AuditRecord), seq: 2 })).toBe(false);
    expect((await store.range('acme', 2, 10)).map((r) => r.seq)).toEqual([2, 3]);
    expect((await store.range('acme', 1, 10)).map((r) => hashRecord(r) === r.hash)).toEqual([true, true, true]);
  });

  it('scopes every method by tenant: another tenant id reads nothing and prunes nothing', async () => {
    await fill(trail, 'acme', 3);
    const ref = await store.personal.put('acme', 'alice', 'reason', 'private words');
    expect(await store.head('globex')).toBeUndefined();
    expect(await store.range('globex', 0, 10)).toEqual([]);
    expect(await store.query('globex', {}, 0, 10)).toEqual([]);
    expect(await store.prune('globex', 3)).toBe(0);
    expect(await store.personal.get('globex', ref)).toBeUndefined();
    expect(await store.personal.forSubject('globex', 'alice', [])).toEqual([]);
    expect(await store.personal.erase('globex', 'alice', [])).toBe(0);
    expect((await store.range('acme', 0, 10)).length).toBe(3);
    expect((await store.personal.get('acme', ref))?.value).toBe('private words');
  });

  it('queries by time, actor, action (exact and family), target and correlation id, with a cursor', async () => {
    const at = (iso: string) => new AuditTrail(store, { now: () => new Date(iso) });
    await at('2026-11-01T10:00:00Z').append(
      event('acme', { action: 'github.comment_posted', target: 'acme/pay#1', correlationId: 'c-x' }),
    );
    await at('2026-11-02T10:00:00Z').append(
      event('acme', {
        action: 'job.failed',
        actor: { memberId: 'bob', platform: 'slack', platformUserId: 'U0BOB0001' },
        correlationId: 'c-x',
      }),
    );
    await at('2026-11-03T10:00:00Z').append(event('acme', { action: 'github.pr_opened', target: 'acme/pay#2' }));
    const seqs = async (filter: Parameters<AuditStore['query']>[1], after = 0, limit = 10) =>
      (await store.query('acme', filter, after, limit)).map((r) => r.seq);
    expect(await seqs({ from: '2026-11-02T00:00:00.000Z' })).toEqual([2, 3]);
    expect(await seqs({ until: '2026-11-02T00:00:00.000Z' })).toEqual([1]);
    expect(await seqs({ actor: 'bob' })).toEqual([2]);
    expect(await seqs({ action: 'github.*' })).toEqual([1, 3]);
    expect(await seqs({ action: 'job.failed' })).toEqual([2]);
    expect(await seqs({ target: 'acme/pay#2' })).toEqual([3]);
    expect(await seqs({ correlationId: 'c-x' })).toEqual([1, 2]);
    expect(await seqs({}, 0, 2)).toEqual([1, 2]);
    expect(await seqs({}, 2, 2)).toEqual([3]);
    expect(await seqs({ maxSeq: 2 })).toEqual([1, 2]);
  });

  it('keeps one gap-free chain of 8,000 records from 8 concurrent writers, and it verifies', async () => {
    const writers = Array.from({ length: 8 }, () => new AuditTrail(store, { maxConflictRetries: 500 }));
    await Promise.all(
      writers.map(async (w, wi) => {
        for (let i = 0; i < 1000; i++) await w.append(event('acme', { correlationId: `w${wi}-${i}` }));
      }),
    );
    const result = await verifyChain(store, 'acme');
    expect(result).toMatchObject({ ok: true, checked: 8000, firstSeq: 1, head: { seq: 8000 } });
    const perWriter = new Map<string, number>();
    for (const r of await store.query('acme', {}, 0, 8000))
      perWriter.set(
        r.correlationId.split('-')[0] as string,
        (perWriter.get(r.correlationId.split('-')[0] as string) ?? 0) + 1,
      );
    expect([...perWriter.values()]).toEqual(Array(8).fill(1000));
  }, 120_000);

  describe('tamper evidence: verify names the first broken record and why', () => {
    beforeEach(async () => {
      await fill(trail, 'acme', 10);
      expect((await verifyChain(store, 'acme')).ok).toBe(true);
    });

    // A record moved to another tenant is gone from this one (a gap) where tenants are a query key (MongoDB), and
    // a changed record where the store keeps one chain per tenant (embedded): both are pinpointed at record 5.
    const changes: Array<[string, Record<string, unknown>, string[]]> = [
      ['ts', { ts: '2020-01-01T00:00:00.000Z' }, ['content_changed']],
      ['actor', { actor: { memberId: 'mallory', platform: 'slack', platformUserId: 'U0MAL' } }, ['content_changed']],
      ['action', { action: 'job.completed' }, ['content_changed']],
      ['target', { target: 'something else' }, ['content_changed']],
      ['outcome', { outcome: 'failure' }, ['content_changed']],
      ['details', { details: { command: 'deploy' } }, ['content_changed']],
      ['correlationId', { correlationId: 'c-forged' }, ['content_changed']],
      ['prevHash', { prevHash: 'f'.repeat(64) }, ['content_changed']],
      ['hash', { hash: 'e'.repeat(64) }, ['content_changed']],
      ['seq', { seq: 500 }, ['gap']],
      ['tenantId', { tenantId: 'globex' }, ['gap', 'content_changed']],
    ];
    it.each(changes)('a changed %s field of record 5 is detected and pinpointed', async (_field, patch, reasons) => {
      await tamper.update('acme', 5, patch);
      const result = await verifyChain(store, 'acme');
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.seq).toBe(5);
      expect(reasons).toContain(result.firstBreak?.reason);
      expect(result.checked).toBe(4);
    });

    it('a record rewritten with a recomputed hash breaks the link of the next one', async () => {
      const [r5] = await store.range('acme', 5, 1);
      const forged = { ...(r5 as AuditRecord), outcome: 'failure' as const };
      await tamper.update('acme', 5, { outcome: 'failure', hash: hashRecord(forged) });
      expect((await verifyChain(store, 'acme')).firstBreak).toMatchObject({ seq: 6, reason: 'link_broken' });
    });

    it('a deleted record is a gap', async () => {
      await tamper.remove('acme', 4);
      expect((await verifyChain(store, 'acme')).firstBreak).toMatchObject({ seq: 4, reason: 'gap' });
    });

    it('deleting the first records without a retention checkpoint is detected', async () => {
      await tamper.remove('acme', 1);
      expect((await verifyChain(store, 'acme')).firstBreak).toMatchObject({ seq: 1, reason: 'prefix_missing' });
    });

    it('deleting the newest record is detected against the head an export announced', async () => {
      const head = await store.head('acme');
      await tamper.remove('acme', 10);
      const result = await verifyChain(store, 'acme', {
        expectedHead: { seq: head?.seq as number, hash: head?.hash as string },
      });
      expect(result.firstBreak).toMatchObject({ seq: 10, reason: 'truncated' });
    });

    it('two records that changed places are reported as reordered', async () => {
      await tamper.swap('acme', 6, 7);
      const result = await verifyChain(store, 'acme');
      expect(result.firstBreak).toMatchObject({ seq: 6, reason: 'reordered' });
      expect(result.firstBreak?.message).toContain('written as record 7');
    });
  });

  describe('retention', () => {
    it('prunes a verified prefix behind a checkpoint record, and the remaining chain verifies', async () => {
      const old = new AuditTrail(store, { now: () => new Date('2025-01-01T00:00:00Z') });
      const old4 = await fill(old, 'acme', 4);
      await fill(trail, 'acme', 3);
      const result = await pruneTenant(trail, 'acme', new Date('2026-01-01T00:00:00Z'));
      expect(result).toMatchObject({ ok: true, value: { pruned: 4 } });
      const checkpoint = result.ok ? result.value.checkpoint : undefined;
      expect(checkpoint).toMatchObject({
        seq: 8,
        action: 'audit.pruned',
        details: { prunedFromSeq: 1, prunedThroughSeq: 4, prunedHeadHash: old4[3]?.hash, prunedCount: 4 },
      });
      expect((await store.range('acme', 0, 100)).map((r) => r.seq)).toEqual([5, 6, 7, 8]);
      expect(await verifyChain(store, 'acme')).toMatchObject({
        ok: true,
        checked: 4,
        firstSeq: 5,
        anchoredBy: { seq: 8, prunedThroughSeq: 4 },
      });
      // A second run prunes the rest, including the first checkpoint; the new one anchors the chain.
      const again = await pruneTenant(trail, 'acme', new Date('2100-01-01T00:00:00Z'));
      expect(again).toMatchObject({ ok: true, value: { pruned: 4 } });
      expect(await verifyChain(store, 'acme')).toMatchObject({
        ok: true,
        checked: 1,
        firstSeq: 9,
        anchoredBy: { seq: 9, prunedThroughSeq: 8 },
      });
    });

    it('refuses to prune a broken chain, and a forged checkpoint does not hide a deletion', async () => {
      await fill(new AuditTrail(store, { now: () => new Date('2025-01-01T00:00:00Z') }), 'acme', 4);
      await fill(trail, 'acme', 2);
      await tamper.update('acme', 2, { outcome: 'failure' });
      expect(await pruneTenant(trail, 'acme', new Date('2026-01-01T00:00:00Z'))).toMatchObject({
        ok: false,
        refusal: { code: 'audit.prune_refused' },
      });
      expect((await store.range('acme', 0, 100)).length).toBe(6);
      await tamper.update('acme', 2, { outcome: 'success' });
      await pruneTenant(trail, 'acme', new Date('2026-01-01T00:00:00Z'));
      await tamper.update('acme', 7, {
        details: { prunedFromSeq: 1, prunedThroughSeq: 5, prunedHeadHash: 'a'.repeat(64), prunedCount: 5 },
      });
      expect((await verifyChain(store, 'acme')).ok).toBe(false);
    });
  });

  describe('personal data store', () => {
    it('gives one stable pseudonym per identity, keeps texts by reference, exports and erases a person', async () => {
      const p = store.personal;
      const pid = await p.pseudonym('acme', 'alice', { platform: 'slack', platformUserId: 'U0ALICE01' });
      expect(pid).toMatch(/^pid-/);
      expect(await p.pseudonym('acme', 'alice', { platform: 'slack', platformUserId: 'U0ALICE01' })).toBe(pid);
      const ref = await p.put('acme', 'alice', 'reason', 'prod is on fire');
      await p.put('acme', 'bob', 'reason', 'bob words');
      const unknown = await p.pseudonym('acme', undefined, { platform: 'github', platformUserId: 'alice-ci-bot' });
      const mine = await p.forSubject('acme', 'alice', [{ platform: 'github', platformUserId: 'alice-ci-bot' }]);
      expect(mine.map((d) => d.ref).sort()).toEqual([pid, ref, unknown].sort());
      expect(await p.erase('acme', 'alice', [{ platform: 'github', platformUserId: 'alice-ci-bot' }])).toBe(3);
      expect(await p.get('acme', ref)).toBeUndefined();
      expect((await p.forSubject('acme', 'bob', [])).map((d) => d.value)).toEqual(['bob words']);
      expect(await p.pseudonym('acme', 'alice', { platform: 'slack', platformUserId: 'U0ALICE01' })).not.toBe(pid);
    });
  });
});
