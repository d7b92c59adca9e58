// Job data is checked by hand for its common shapes before the zod schema (bot/core/jobs.ts parseJobData): whatever
// the hand check accepts, the schema must accept too, and the two must agree on every input, valid or not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobDataSchema, parseJobData, type JobData } from '../../bot/core/jobs.js';

const base = (): JobData => ({
  v: 1,
  kind: 'triage',
  tenantId: 'acme',
  requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
  command: { name: 'triage', ticket: 'PAY-1' },
  thread: { platform: 'console', channel: 'bench' },
  correlationId: 'console:d-1',
  deliveryId: 'd-1',
});

/** Values a field may take: right ones, wrong types, empty strings, undefined, nested junk. */
const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, '', 'x', 1, 0, -1, 1.5, true, 'console', 'slack', 'nope', 'triage', 'status'),
  fc.constantFrom('review', 'deploy', 'implement', 'PAY-1', 'a'.repeat(201), 'f'.repeat(40)),
  fc.constant([]),
  fc.constant({}),
  fc.string({ maxLength: 4 }),
);
const KEYS = ['v', 'kind', 'tenantId', 'requester', 'command', 'thread', 'correlationId', 'deliveryId', 'approvalId'];
const SUB = ['memberId', 'platform', 'platformUserId', 'channel', 'thread', 'name', 'ticket', 'id', 'service', 'ref'];
const MORE = ['environment', 'repo', 'number', 'extra', 'trace', 'commitSha', 'writePaths'];

/** A mutation of valid job data: a field of it or of one of its objects set, deleted or added. */
const mutation = fc.record({
  where: fc.constantFrom('top', 'requester', 'command', 'thread'),
  key: fc.constantFrom(...KEYS, ...SUB, ...MORE),
  value: anyValue,
  remove: fc.boolean(),
});

const COMMANDS = [
  { name: 'triage', ticket: 'PAY-1' },
  { name: 'implement', ticket: 'PAY-2' },
  { name: 'status', id: 'x' },
  { name: 'status' },
  { name: 'deploy', service: 'api', environment: 'prod', ref: 'main' },
  { name: 'review', ref: 'HEAD' },
] as const;

/** Valid job data of one of the commands above, then changed. */
function mutated(
  start: number,
  changes: ReadonlyArray<{ where: string; key: string; value: unknown; remove: boolean }>,
): unknown {
  const command = COMMANDS[start % COMMANDS.length] as JobData['command'];
  const data = structuredClone({ ...base(), kind: command.name, command }) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  for (const { where, key, value, remove } of changes) {
    const target = where === 'top' ? (data as Record<string, unknown>) : data[where];
    if (!target || typeof target !== 'object') continue;
    if (remove) delete target[key];
    else target[key] = value;
  }
  return data;
}

describe('job data check', () => {
  it('takes the common shapes without the schema: the data itself comes back', () => {
    for (const command of COMMANDS.filter((c) => c.name !== 'review')) {
      const data = { ...base(), kind: command.name, command } as JobData;
      const parsed = parseJobData(data);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toBe(data);
    }
  });

  it('agrees with the schema on every input, and accepts only what the schema accepts', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { maxLength: 4 }), (start, changes) => {
        const input = mutated(start, changes);
        const fast = parseJobData(input);
        const schema = jobDataSchema.safeParse(input);
        expect(fast.success).toBe(schema.success);
        if (fast.success) expect(fast.data).toEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves the rare fields and review to the schema, which still takes them when valid', () => {
    const review = { ...base(), kind: 'review', command: { name: 'review', ref: 'HEAD~1' } } as JobData;
    const approved = { ...base(), approvalId: 'apr-1', targetDigest: 'ref:x' };
    for (const data of [review, approved]) {
      const parsed = parseJobData(data);
      expect(parsed.success).toBe(true);
      expect(parsed.data).not.toBe(data);
      expect(parsed.data).toEqual(data);
    }
  });
});
