// The app's audit redactor (audit/prepared.ts scrubbingRedactor): details without a secret skip the JSON round trip,
// yet the records are the same as with the round trip, share no object with the caller, and keep no secret.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../audit/embedded.store.js';
import { canonicalJson } from '../../audit/hash.js';
import { PERSONAL_DETAIL_KEYS } from '../../audit/personal.js';
import { copyFlat, scrubbingRedactor } from '../../audit/prepared.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyChain } from '../../audit/verify.js';
import { scrubber } from '../../bot/core/logger.js';
import { event } from '../helpers/audit.js';

const SECRET = 'xoxb-s3cr3t-token';
const scrub = scrubber([SECRET]);
const roundTrip = (d: Readonly<Record<string, unknown>>) =>
  JSON.parse(scrub(JSON.stringify(d))) as Record<string, unknown>;

describe('audit redactor: the JSON round trip only where it can change something', () => {
  it('hands flat details without a secret back as they are, and the trail copies them', async () => {
    const redact = scrubbingRedactor(scrub);
    const details = { kind: 'triage', attempt: 1, approvalId: undefined };
    expect(redact(details)).toBe(details);
    const store = new MemoryAuditStore();
    const record = await new AuditTrail(store, { redact }).append(event('acme', { details }));
    details.kind = 'changed';
    expect(record.details).toEqual({ attempt: 1, kind: 'triage' });
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
  });

  it('still takes every secret out, flat or nested, in values and in keys', async () => {
    const redact = scrubbingRedactor(scrub);
    const store = new MemoryAuditStore();
    const trail = new AuditTrail(store, { redact });
    const flat = await trail.append(event('acme', { details: { token: `Bearer ${SECRET}` } }));
    const nested = await trail.append(event('acme', { details: { a: { b: [SECRET] }, [SECRET]: 1 } }));
    expect(JSON.stringify([flat, nested])).not.toContain(SECRET);
    expect(flat.details).toEqual({ token: 'Bearer [REDACTED]' });
    expect((await verifyChain(store, 'acme')).ok).toBe(true);
  });

  it('gives the details (and hashed form) that the JSON round trip gives, for any flat details', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom(SECRET, -0, NaN, Infinity, null, undefined, true, false),
      fc.double(),
      fc.integer(),
    );
    // Personal keys (name, reason, …) are moved out of the record under a fresh reference: not compared here.
    const key = fc.string({ maxLength: 4 }).filter((k) => !(PERSONAL_DETAIL_KEYS as readonly string[]).includes(k));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value), async (details) => {
        const [fast, slow] = [new MemoryAuditStore(), new MemoryAuditStore()];
        const a = await new AuditTrail(fast, { redact: scrubbingRedactor(scrub) }).append(event('acme', { details }));
        const b = await new AuditTrail(slow, { redact: roundTrip }).append(event('acme', { details }));
        expect(a.details).toEqual(b.details);
        expect(Object.keys(a.details ?? {})).toEqual(Object.keys(b.details ?? {}));
        expect(canonicalJson(a.details)).toBe(canonicalJson(b.details));
        expect((await verifyChain(fast, 'acme')).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('copies only flat details (a nested value, a non-finite number or -0 is left to JSON.parse)', () => {
    expect(Object.entries(copyFlat({ b: 'x', a: 1, c: undefined, d: null }) ?? {})).toEqual([
      ['b', 'x'],
      ['a', 1],
      ['d', null],
    ]);
    const inherited = Object.create({ a: 1 }) as Record<string, unknown>;
    for (const details of [{ a: { b: 1 } }, { a: [1] }, { a: NaN }, { a: -0 }, { a: new Date(0) }, inherited])
      expect(copyFlat(details)).toBeUndefined();
  });
});
