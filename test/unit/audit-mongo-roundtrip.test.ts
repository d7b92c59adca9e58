// The MongoDB audit store keeps exactly what was hashed (issue 14 item 8), checked without a server: each awkward
// record → the mongoose document the store writes → BSON (the `bson` package mongoose's driver uses) → back →
// the store's read mapping → the chain verifies. The same path with the old mapping (the record itself as the
// document) is shown to break, so these records really are the awkward ones.
import { BSON } from 'bson';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { auditRecordSchema, AuditRoundTripError, toDocument, toRecord } from '../../audit/mongo.store.js';
import { AuditTrail } from '../../audit/trail.js';
import type { AuditActor, AuditEventInput, AuditRecord } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';

const connection = mongoose.createConnection();
connection.set('bufferCommands', false);
const model = connection.model('AuditRoundTripTest', auditRecordSchema);

const LONE = 'acct-\uD800-x'; // a lone surrogate, e.g. from an unknown JIRA account id
const base = { tenantId: 'acme', action: 'command.received', outcome: 'success', correlationId: 'c-1' } as const;
const awkward: Array<[string, Partial<AuditEventInput>]> = [
  [
    'empty objects at several depths',
    { details: { empty: {}, nested: { inner: {} }, deep: { a: { b: { c: {} } } }, list: [{}, { x: {} }] } },
  ],
  [
    'extra actor keys',
    {
      actor: {
        platform: 'slack',
        platformUserId: 'U1',
        memberId: 'alice',
        name: 'Alice',
        via: { bot: {} },
      } as unknown as AuditActor,
    },
  ],
  [
    'lone surrogates',
    {
      target: `ticket ${LONE}`,
      actor: { platform: 'jira', platformUserId: LONE },
      details: { [`key${'\uDC00'}`]: LONE },
    },
  ],
  [
    'large integers',
    { details: { big: 2 ** 53 - 1, past32: 2 ** 40, negative: -(2 ** 45), float: 1.5e300, small: 7 } },
  ],
  [
    'dates',
    { details: { at: new Date('2026-11-30T10:00:00.123Z') as unknown as string, when: '2026-11-30T10:00:00Z' } },
  ],
];

async function records(): Promise<AuditRecord[]> {
  const trail = new AuditTrail(new EmbeddedAuditStore());
  const out: AuditRecord[] = [];
  for (const [, extra] of awkward)
    out.push(
      await trail.append({ ...base, actor: { platform: 'slack', platformUserId: 'U1' }, ...extra } as AuditEventInput),
    );
  return out;
}

/** What a read from MongoDB returns: the document mongoose would send, through BSON and back. */
function throughBson(document: Record<string, unknown>): Record<string, unknown> {
  const bson = new model(document).toBSON() as unknown as Record<string, unknown>;
  return BSON.deserialize(BSON.serialize(bson)) as Record<string, unknown>;
}

async function verifies(read: AuditRecord[]): Promise<boolean> {
  const store = new EmbeddedAuditStore();
  for (const record of read) await store.insert(record);
  return (await verifyChain(store, 'acme')).ok;
}

describe('MongoDB audit store: a read returns what was hashed', () => {
  it.each(awkward.map(([name], i) => [name, i] as const))(
    '%s: round trip through mongoose and BSON verifies',
    async (_name, i) => {
      const all = await records();
      const read = all.map((r) => toRecord(throughBson(toDocument(r))));
      expect(read[i]).toEqual(all[i]);
      expect(await verifies(read)).toBe(true);
    },
  );

  it.each(awkward.slice(0, 3).map(([name], i) => [name, i] as const))(
    '%s: the old mapping (the record as the document) breaks the chain',
    async (_name, i) => {
      const all = await records();
      const legacy = all.map((r, j) => (j === i ? toRecord(throughBson(r as unknown as Record<string, unknown>)) : r));
      expect(await verifies(legacy)).toBe(false);
    },
  );

  it('refuses at append, with a clear error, a record whose content cannot survive the round trip', () => {
    const record = {
      tenantId: 'acme',
      seq: 1,
      ts: '2026-11-30T10:00:00.000Z',
      actor: { platform: 'slack' },
      action: 'command.received',
      outcome: 'success',
      correlationId: 'c',
      prevHash: '0',
      hash: 'h',
      details: { n: 10n ** 30n },
    } as unknown as AuditRecord;
    expect(() => toDocument(record)).toThrow(AuditRoundTripError);
    expect(() => toDocument(record)).toThrow(/acme#1 cannot be stored as hashed: its content is not JSON/);
  });

  it('writes audit records with majority, journaled acknowledgement', () => {
    expect(auditRecordSchema.get('writeConcern')).toEqual({ w: 'majority', j: true });
  });
});
