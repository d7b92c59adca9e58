// The MongoDB approval store without a server (the contract suite runs it against a real mongod when one can
// start): documents validate, and the indexes that make ids unique per tenant exist.
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { approvalSchema } from '../../approvals/mongo.store.js';

describe('approval store schema (MongoDB)', () => {
  const connection = mongoose.createConnection();
  const Model = connection.model('ApprovalRequestSchemaTest', approvalSchema);

  it('accepts a full request and requires the fields that identify it', () => {
    const doc = new Model({
      id: 'ap-1',
      tenantId: 'acme',
      state: 'pending',
      rule: 'r',
      kind: 'deploy',
      command: { name: 'deploy', service: 's', environment: 'e' },
      summary: 'deploy s to e',
      target: 's@e',
      requester: { memberId: 'alice' },
      thread: { platform: 'slack', channel: 'C1' },
      correlationId: 'c',
      deliveryId: 'd',
      quorum: [{ count: 1, roles: ['devops'] }],
      voidOnTargetChange: true,
      cancel: ['requester'],
      decisions: [],
      createdAt: 'x',
      expiresAt: 'y',
      queued: false,
    });
    expect(doc.validateSync()).toBeUndefined();
    const missing = new Model({ id: 'ap-2' }).validateSync();
    expect(Object.keys(missing?.errors ?? {})).toEqual(
      expect.arrayContaining(['tenantId', 'state', 'command', 'requester', 'expiresAt']),
    );
  });

  it('keeps empty objects and writes with majority, journaled acknowledgement', () => {
    const doc = new Model({
      id: 'ap-3',
      tenantId: 'acme',
      state: 'pending',
      command: { name: 'deploy', options: {} },
      requester: { memberId: 'alice', extra: {} },
    });
    expect((doc.toBSON() as unknown as { command: unknown }).command).toEqual({ name: 'deploy', options: {} });
    expect(approvalSchema.get('writeConcern')).toEqual({ w: 'majority', j: true });
  });

  it('has a unique (tenantId, id) index and the lookups voidStale and follow-ups use', () => {
    const indexes = approvalSchema.indexes().map(([fields, options]) => ({ fields, unique: Boolean(options?.unique) }));
    expect(indexes).toContainEqual({ fields: { tenantId: 1, id: 1 }, unique: true });
    expect(indexes).toContainEqual({ fields: { tenantId: 1, state: 1, target: 1 }, unique: false });
    expect(indexes).toContainEqual({ fields: { tenantId: 1, 'breakGlass.followUpId': 1 }, unique: false });
  });
});
