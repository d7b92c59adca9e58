// The trail hashes a record around the canonical JSON of its actor and details (hashBuilt) instead of serialising the
// whole record again; verification hashes the stored record from scratch (hashRecord). The two must agree on every
// record, or a freshly written chain would not verify.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmbeddedAuditStore, MemoryAuditStore } from '../../audit/embedded.store.js';
import { canonicalJson, hashRecord } from '../../audit/hash.js';
import { AuditTrail } from '../../audit/trail.js';
import { AUDIT_ACTIONS, type AuditEventInput } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';

const text = fc.string({ maxLength: 12, unit: 'binary' });
const detail = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21),
  fc.array(fc.option(fc.integer(), { nil: undefined }), { maxLength: 3 }),
);
const input: fc.Arbitrary<AuditEventInput> = fc.record(
  {
    tenantId: fc.constantFrom('acme', 'globex'),
    action: fc.constantFrom(...AUDIT_ACTIONS),
    actor: fc.record(
      {
        memberId: fc.option(text, { nil: undefined }),
        platform: fc.constantFrom('slack', 'github', 'console', 'system'),
        platformUserId: fc.option(text, { nil: undefined }),
      },
      { requiredKeys: ['platform'] },
    ),
    target: fc.option(text, { nil: undefined }),
    outcome: fc.constantFrom('success', 'failure', 'denied', 'pending', 'info'),
    details: fc.option(fc.dictionary(text, detail, { maxKeys: 5 }), { nil: undefined }),
    correlationId: text,
  },
  { requiredKeys: ['tenantId', 'action', 'actor', 'outcome', 'correlationId'] },
) as fc.Arbitrary<AuditEventInput>;

describe('audit hashing', () => {
  // The memory store sequences records itself (AuditStore.sequence); the embedded one takes the insert path.
  it.each([
    ['memory (sequenced)', () => new MemoryAuditStore()],
    ['embedded (insert)', () => new EmbeddedAuditStore()],
  ])('gives every record the trail writes the hash that verification computes, %s', async (_name, open) => {
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 1, maxLength: 8 }), async (inputs) => {
        const store = open();
        const trail = new AuditTrail(store);
        const records = await Promise.all(inputs.map((i) => trail.append(i)));
        for (const record of records) expect(record.hash).toBe(hashRecord(record));
        // What the store holds (a copy) and what JSON makes of it hash the same.
        for (const tenant of new Set(inputs.map((i) => i.tenantId))) {
          for (const stored of await store.range(tenant, 1, 100))
            expect(hashRecord(JSON.parse(JSON.stringify(stored)))).toBe(stored.hash);
          expect((await verifyChain(store, tenant)).ok).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('orders keys as Array.prototype.sort does, few or many, whatever their characters', () => {
    // Keys differing by case, digits (integer-like keys come first in an object), accents, lone and paired surrogates.
    const chars = fc.constantFrom('a', 'A', 'b', 'B', '0', '1', '9', 'é', '_', '\uD83D', '\uDE00', '\uFFFF');
    const key = fc.oneof(fc.string({ unit: chars, maxLength: 3 }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(fc.dictionary(key, fc.string(), { maxKeys: 20 }), (o) => {
        const sorted = Object.keys(o).sort();
        const expected = `{${sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`).join(',')}}`;
        expect(canonicalJson(o)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('serialises canonically: keys sorted at every depth, undefined dropped, no whitespace', () => {
    const value = { b: [1, undefined, { z: 1, a: new Date(0) }], a: { y: Number.NaN, x: undefined }, c: 'é"' };
    expect(canonicalJson(value)).toBe(
      '{"a":{"y":null},"b":[1,null,{"a":"1970-01-01T00:00:00.000Z","z":1}],"c":"é\\""}',
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(JSON.parse(canonicalJson(v)))).toBe(canonicalJson(v));
      }),
    );
  });
});
