// The trail keeps personal data out of the hashed records, GDPR erasure leaves the chain verifiable, and the
// MongoDB schema refuses every update and delete (checked without a server: the hooks run before any I/O).
import fc from 'fast-check';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore, MemoryAuditStore } from '../../audit/embedded.store.js';
import { auditRecordSchema, mongoFilter } from '../../audit/mongo.store.js';
import { AuditTrail } from '../../audit/trail.js';
import { isAuditAction, type AuditRecord } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import { event } from '../helpers/audit.js';

describe('audit trail: personal data stays outside the chain', () => {
  it('moves free text typed by people to the personal store and keeps only a reference in the record', async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store);
    const record = await trail.append(
      event('acme', {
        action: 'breakglass.used',
        actor: { memberId: 'erin', platform: 'slack', platformUserId: 'U0ERIN001' },
        details: { approvalId: 'apr-1', reason: 'Payments down, CFO on the phone' },
      }),
    );
    expect(JSON.stringify(record)).not.toContain('CFO');
    expect(record.details).toEqual({ approvalId: 'apr-1', reasonRef: expect.stringMatching(/^pd-/) });
    const datum = await store.personal.get('acme', (record.details as { reasonRef: string }).reasonRef);
    expect(datum).toMatchObject({ memberId: 'erin', label: 'reason', value: 'Payments down, CFO on the phone' });
  });

  it('drops undefined detail values before hashing, so the stored form (MongoDB drops them too) verifies', async () => {
    const store = new EmbeddedAuditStore();
    const record = await new AuditTrail(store).append(
      event('acme', { details: { kind: 'review', approvalId: undefined } }),
    );
    expect(record.details).toEqual({ kind: 'review' });
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
  });

  it("with the app's redact (a JSON round trip), keeps no object of the caller, no secret, and verifies", async () => {
    const store = new MemoryAuditStore();
    const redact = (d: Readonly<Record<string, unknown>>) =>
      JSON.parse(JSON.stringify(d).split('s3cr3t').join('[REDACTED]')) as Record<string, unknown>;
    const trail = new AuditTrail(store, { redact });
    const actor = { memberId: 'erin', platform: 'slack' as const, platformUserId: 'U0ERIN001' };
    const details = { kind: 'deploy', nested: { url: 'https://x:s3cr3t@h' }, approvalId: undefined };
    const record = await trail.append(event('acme', { actor, details }));
    await trail.append(event('acme', { actor, details: { kind: 'review' } }));
    // The caller can still change its objects (nothing of theirs was frozen), and the record does not follow.
    details.nested.url = 'changed';
    actor.platformUserId = 'changed';
    expect(record.details).toEqual({ kind: 'deploy', nested: { url: 'https://x:[REDACTED]@h' } });
    expect(record.actor).toEqual({ memberId: 'erin', platform: 'slack', platformUserId: 'U0ERIN001' });
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
  });

  it('replaces the platform identity with a stable pseudonym when asked to', async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store, { pseudonymiseIdentities: true });
    const a = await trail.append(event('acme'));
    const b = await trail.append(event('acme'));
    expect(a.actor.platformUserId).toMatch(/^pid-/);
    expect(b.actor.platformUserId).toBe(a.actor.platformUserId);
    expect(JSON.stringify([a, b])).not.toContain('U0ALICE01');
    expect(await store.personal.get('acme', a.actor.platformUserId as string)).toMatchObject({
      label: 'slack',
      value: 'U0ALICE01',
      memberId: 'alice',
    });
  });

  it("GDPR: erasing a member deletes their data, keeps everyone else's, and the chain still verifies", async () => {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store, { pseudonymiseIdentities: true });
    const rejected = await trail.append(
      event('acme', {
        action: 'approval.decided',
        details: { approvalId: 'apr-2', decision: 'reject', state: 'rejected', reason: 'not on a Friday, Alice' },
      }),
    );
    await trail.append(
      event('acme', {
        actor: { memberId: 'bob', platform: 'slack', platformUserId: 'U0BOB0001' },
        details: { comment: 'bob says hi' },
      }),
    );
    const before = await verifyChain(store, 'acme');
    const identities = [{ platform: 'slack', platformUserId: 'U0ALICE01' }];
    expect((await store.personal.forSubject('acme', 'alice', identities)).map((d) => d.value).sort()).toEqual([
      'U0ALICE01',
      'not on a Friday, Alice',
    ]);
    expect(await trail.erasePersonal('acme', 'alice', identities)).toBe(2);
    expect(await store.personal.forSubject('acme', 'alice', identities)).toEqual([]);
    expect(await store.personal.get('acme', (rejected.details as { reasonRef: string }).reasonRef)).toBeUndefined();
    expect((await store.personal.forSubject('acme', 'bob', [])).map((d) => d.value).sort()).toEqual([
      'U0BOB0001',
      'bob says hi',
    ]);
    const after = await verifyChain(store, 'acme');
    expect(after).toMatchObject({ ok: true, checked: 2, head: before.head });
  });

  it('keeps the action vocabulary closed: known actions and the documented families only', () => {
    expect(isAuditAction('approval.decided')).toBe(true);
    expect(isAuditAction('github.comment_posted')).toBe(true);
    expect(isAuditAction('github.')).toBe(false);
    expect(isAuditAction('whatever.happened')).toBe(false);
  });
});

describe('MongoDB audit schema', () => {
  const connection = mongoose.createConnection();
  connection.set('bufferCommands', false);
  const model = connection.model('AuditRecordUnitTest', auditRecordSchema);

  it.each([
    'updateOne',
    'updateMany',
    'findOneAndUpdate',
    'replaceOne',
    'findOneAndReplace',
    'deleteOne',
    'deleteMany',
    'findOneAndDelete',
  ] as const)('refuses %s', async (op) => {
    const call = (model as unknown as Record<string, (f: object, u: object) => Promise<unknown>>)[op] as (
      f: object,
      u: object,
    ) => Promise<unknown>;
    await expect(call.call(model, { tenantId: 'acme' }, { $set: { outcome: 'failure' } })).rejects.toThrow(
      /append-only/,
    );
  });

  it('refuses bulk writes and re-saving a loaded record', async () => {
    await expect(model.bulkWrite([{ deleteMany: { filter: {} } }])).rejects.toThrow(/append-only/);
    const record = await new AuditTrail(new EmbeddedAuditStore()).append(event('acme'));
    const doc = model.hydrate({ _id: new mongoose.Types.ObjectId(), ...record });
    doc.set('outcome', 'failure');
    await expect(doc.save()).rejects.toThrow(/append-only/);
  });

  it('translates query filters into MongoDB filters on the indexed fields', () => {
    expect(
      mongoFilter(
        'acme',
        {
          from: '2026-11-01T00:00:00.000Z',
          until: '2026-11-02T00:00:00.000Z',
          actor: 'bob',
          action: 'github.*',
          correlationId: 'c-1',
          maxSeq: 90,
        },
        40,
      ),
    ).toEqual({
      tenantId: 'acme',
      seq: { $gt: 40, $lte: 90 },
      ts: { $gte: '2026-11-01T00:00:00.000Z', $lt: '2026-11-02T00:00:00.000Z' },
      'actor.memberId': 'bob',
      correlationId: 'c-1',
      action: { $regex: '^github\\.' },
    });
    expect(mongoFilter('acme', { action: 'job.failed', target: 't' }, 0)).toEqual({
      tenantId: 'acme',
      seq: { $gt: 0 },
      action: 'job.failed',
      target: 't',
    });
  });

  it('declares the unique chain index and the query indexes', () => {
    const indexes = auditRecordSchema
      .indexes()
      .map(([fields, options]) => ({ fields: Object.keys(fields).join('+'), unique: Boolean(options?.unique) }));
    expect(indexes).toEqual([
      { fields: 'tenantId+seq', unique: true },
      { fields: 'tenantId+ts', unique: false },
      { fields: 'tenantId+actor.memberId+seq', unique: false },
      { fields: 'tenantId+action+seq', unique: false },
      { fields: 'tenantId+correlationId+seq', unique: false },
    ]);
  });
});

describe('tamper evidence, property: any field of any record', () => {
  const fields: Array<[string, (r: AuditRecord) => Record<string, unknown>]> = [
    ['ts', () => ({ ts: '1999-01-01T00:00:00.000Z' })],
    ['actor', (r) => ({ actor: { ...r.actor, memberId: 'mallory' } })],
    ['action', () => ({ action: 'job.completed' })],
    ['target', (r) => ({ target: `${r.target ?? ''}!` })],
    ['outcome', (r) => ({ outcome: r.outcome === 'failure' ? 'success' : 'failure' })],
    ['details', (r) => ({ details: { ...r.details, extra: 1 } })],
    ['correlationId', (r) => ({ correlationId: `${r.correlationId}x` })],
    ['prevHash', () => ({ prevHash: 'f'.repeat(64) })],
    ['hash', () => ({ hash: '0'.repeat(63) + '1' })],
  ];

  it('verify stops exactly at the changed record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }),
        fc.nat(),
        fc.constantFrom(...fields),
        async (length, pick, [, change]) => {
          const store = new EmbeddedAuditStore();
          const trail = new AuditTrail(store);
          for (let i = 0; i < length; i++) await trail.append(event('acme'));
          const seq = (pick % length) + 1;
          const chain = store.storageForTamperTests('acme');
          const record = chain[seq - 1] as AuditRecord;
          chain[seq - 1] = { ...record, ...change(record) } as AuditRecord;
          const result = await verifyChain(store, 'acme', { pageSize: 7 });
          expect(result.ok).toBe(false);
          expect(result.firstBreak?.seq).toBe(seq);
          expect(result.checked).toBe(seq - 1);
          // The one refusal shape: the report of a broken chain carries its refusal from the catalogue.
          expect(result.refusal?.code).toBe('audit.chain_broken');
          expect(result.refusal?.message).toContain(`broken at record ${seq} (`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
