// One contract for every approval store: each step is one conditional update (state, lease holder and, for a
// decision, "not counted yet" in the filter), races have exactly one winner, and another tenant's id reads as
// nothing. Runs against the embedded store always, and against MongoDB when one can start (else says so).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DurableApprovalStore } from '../../approvals/durable.store.js';
import { EmbeddedApprovalStore } from '../../approvals/embedded.store.js';
import type { ApprovalRecord, ApprovalStore, StoredDecision } from '../../approvals/store.js';
import { freshDataDir, startMongoLeg } from '../helpers/audit.js';

function request(
  tenantId: string,
  id = `ap-${randomUUID().slice(0, 8)}`,
  overrides: Partial<ApprovalRecord> = {},
): ApprovalRecord {
  return {
    id,
    tenantId,
    state: 'pending',
    rule: 'production-deploys',
    kind: 'deploy',
    command: { name: 'deploy', service: 'payments', environment: 'production', ref: 'v1.4.2' },
    summary: 'deploy payments to production at v1.4.2',
    target: 'payments@production',
    targetDigest: 'ref:v1.4.2',
    requester: { memberId: 'alice', name: 'Alice', platform: 'slack', platformUserId: 'U0ALICE01' },
    thread: { platform: 'slack', channel: 'C1', thread: '1.2' },
    correlationId: 'c-1',
    deliveryId: 'd-1',
    quorum: [
      { count: 1, roles: ['tech_lead'] },
      { count: 1, roles: ['devops'] },
    ],
    voidOnTargetChange: true,
    cancel: ['requester', 'admin'],
    decisions: [],
    createdAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    queued: false,
    ...overrides,
  };
}

function decision(memberId: string): StoredDecision {
  return {
    memberId,
    name: memberId,
    decision: 'approve',
    platform: 'slack',
    platformUserId: `U-${memberId}`,
    roles: ['tech_lead'],
    at: new Date().toISOString(),
  };
}

interface Leg {
  readonly name: string;
  open(): Promise<{ store: ApprovalStore; cleanup(): Promise<void> }>;
}

const legs: Leg[] = [
  {
    name: 'durable embedded (files)',
    async open() {
      const path = freshDataDir();
      const store = await DurableApprovalStore.open(path);
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dirname(path), { recursive: true, force: true });
        },
      };
    },
  },
  { name: 'in-memory', open: async () => ({ store: new EmbeddedApprovalStore(), cleanup: async () => undefined }) },
];

const mongo = await startMongoLeg(10_000);
if (mongo.url) {
  const url = mongo.url;
  legs.push({
    name: 'mongodb',
    async open() {
      const { MongoApprovalStore } = await import('../../approvals/mongo.store.js');
      const store = await MongoApprovalStore.connect(url, {
        dbName: `void-appr-${randomUUID().slice(0, 8)}`,
        serverSelectionTimeoutMS: 3000,
      });
      return {
        store,
        cleanup: async () => {
          await store.model.db.dropDatabase().catch(() => undefined);
          await store.close();
        },
      };
    },
  });
} else {
  console.warn(`[approval-store contract] MongoDB leg SKIPPED: ${mongo.reason}. Set MONGODB_URL to run it.`);
}
afterAll(() => mongo.stop());

describe.each(legs)('approval store contract: $name', (leg) => {
  let store: ApprovalStore;
  let cleanup: () => Promise<void>;
  const tenant = `t-${randomUUID().slice(0, 6)}`;
  beforeAll(async () => {
    ({ store, cleanup } = await leg.open());
    return () => cleanup();
  });

  it('creates once and reads only within the tenant', async () => {
    const rec = request(tenant);
    expect(await store.create(rec)).toBe('created');
    expect(await store.create({ ...rec, summary: 'other' })).toBe('exists');
    expect((await store.get(tenant, rec.id))?.summary).toBe(rec.summary);
    expect(await store.get('another-tenant', rec.id)).toBeUndefined();
    expect(await store.lease('another-tenant', rec.id, 'decide', 'h', 10_000, Date.now())).toBeUndefined();
    expect(await store.listPending('another-tenant', 10)).toEqual([]);
    expect(await store.listPendingByTarget('another-tenant', rec.target)).toEqual([]);
  });

  it('gives the lease to exactly one of many racing holders, and again once released or run out', async () => {
    const rec = request(tenant);
    await store.create(rec);
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.lease(tenant, rec.id, 'decide', `h${i}`, 10_000, now)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `h${results.findIndex(Boolean)}`;
    expect(await store.lease(tenant, rec.id, 'decide', 'late', 10_000, now + 1)).toBeUndefined();
    await store.release(tenant, rec.id, 'not-the-holder');
    expect(await store.lease(tenant, rec.id, 'decide', 'late', 10_000, now + 2)).toBeUndefined();
    await store.release(tenant, rec.id, winner);
    expect(await store.lease(tenant, rec.id, 'decide', 'next', 10_000, now + 3)).toMatchObject({ id: rec.id });
    expect(await store.lease(tenant, rec.id, 'decide', 'after-expiry', 10_000, now + 20_000)).toMatchObject({
      id: rec.id,
    });
  });

  it('commits only for the lease holder, counts a person once, and transitions exactly once', async () => {
    const rec = request(tenant);
    await store.create(rec);
    await store.lease(tenant, rec.id, 'decide', 'h1', 10_000, Date.now());
    expect(await store.commit(tenant, rec.id, 'intruder', { decision: decision('bob') })).toBeUndefined();
    const one = await store.commit(tenant, rec.id, 'h1', { decision: decision('bob') });
    expect(one?.decisions.map((d) => d.memberId)).toEqual(['bob']);
    await store.lease(tenant, rec.id, 'decide', 'h2', 10_000, Date.now());
    expect(await store.commit(tenant, rec.id, 'h2', { decision: decision('bob') })).toBeUndefined();
    const done = await store.commit(tenant, rec.id, 'h2', {
      decision: decision('carol'),
      state: 'approved',
      endReason: 'approved',
    });
    expect(done?.state).toBe('approved');
    expect(await store.lease(tenant, rec.id, 'decide', 'h3', 10_000, Date.now())).toBeUndefined();
    expect(await store.commit(tenant, rec.id, 'h2', { state: 'rejected' })).toBeUndefined();
    expect((await store.get(tenant, rec.id))?.state).toBe('approved');
    await store.markQueued(tenant, rec.id, 'deploy-appr-x');
    expect(await store.get(tenant, rec.id)).toMatchObject({ queued: true, jobId: 'deploy-appr-x' });
  });

  it('lists pending requests by target, and acknowledges a break-glass follow-up exactly once', async () => {
    const rec = request(tenant, undefined, { target: `svc-${randomUUID().slice(0, 4)}@production` });
    await store.create(rec);
    expect((await store.listPendingByTarget(tenant, rec.target)).map((r) => r.id)).toEqual([rec.id]);
    await store.lease(tenant, rec.id, 'decide', 'h', 10_000, Date.now());
    const glass = {
      memberId: 'erin',
      name: 'Erin',
      reason: 'outage',
      at: new Date().toISOString(),
      followUpId: `fu-${rec.id}`,
      followUp: 'open' as const,
    };
    await store.commit(tenant, rec.id, 'h', { state: 'approved', endReason: 'breakglass', breakGlass: glass });
    expect(await store.listPendingByTarget(tenant, rec.target)).toEqual([]);
    expect((await store.openFollowUps(tenant)).map((r) => r.id)).toContain(rec.id);
    expect((await store.findByFollowUp(tenant, glass.followUpId))?.id).toBe(rec.id);
    expect(await store.findByFollowUp('another-tenant', glass.followUpId)).toBeUndefined();
    const leases = await Promise.all(
      [1, 2, 3].map((i) => store.lease(tenant, rec.id, 'ack', `a${i}`, 10_000, Date.now())),
    );
    const holder = `a${leases.findIndex(Boolean) + 1}`;
    expect(leases.filter(Boolean)).toHaveLength(1);
    expect(
      (await store.acknowledge(tenant, rec.id, holder, 'dave', new Date().toISOString()))?.breakGlass?.followUp,
    ).toBe('acknowledged');
    expect(await store.lease(tenant, rec.id, 'ack', 'again', 10_000, Date.now())).toBeUndefined();
    expect(await store.acknowledge(tenant, rec.id, holder, 'dave', new Date().toISOString())).toBeUndefined();
    expect((await store.openFollowUps(tenant)).map((r) => r.id)).not.toContain(rec.id);
  });
});
