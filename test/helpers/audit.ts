// Audit test helpers: the two store legs (embedded; MongoDB when one is reachable), storage-level tampering (what a
// database administrator could do behind Void's back) and event builders.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import type { MongoAuditStore } from '../../audit/mongo.store.js';
import type { AuditEventInput, AuditRecord, AuditStore } from '../../audit/types.js';

/** Changes, deletes and reorders stored records below the application, for tamper-evidence tests. */
export interface Tamper {
  update(tenantId: string, seq: number, patch: Record<string, unknown>): Promise<void>;
  remove(tenantId: string, seq: number): Promise<void>;
  /** Exchanges the content of two records (everything but their sequence numbers): the records change places. */
  swap(tenantId: string, a: number, b: number): Promise<void>;
}

export interface StoreLeg {
  readonly name: string;
  open(): Promise<{ store: AuditStore; tamper: Tamper; cleanup(): Promise<void> }>;
}

/** A fresh temporary VOID_DATA_DIR (the directory itself not created yet, as on a new machine). */
export function freshDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'void-store-')), 'data');
}

/** The durable embedded store in a fresh data directory; tampering goes through its in-memory index, which is what
 *  its reads return (a tamper of the files themselves is the torn-tail and corruption tests' job). */
export const durableLeg: StoreLeg = {
  name: 'durable embedded (files)',
  async open() {
    const path = freshDataDir();
    const store = await DurableAuditStore.open(path);
    const { tamper } = await embeddedLeg.open(store);
    return {
      store,
      tamper,
      cleanup: async () => {
        await store.close();
        rmSync(dirname(path), { recursive: true, force: true });
      },
    };
  },
};

export const embeddedLeg: StoreLeg & { open(existing?: EmbeddedAuditStore): ReturnType<StoreLeg['open']> } = {
  name: 'in-memory',
  async open(existing?: EmbeddedAuditStore) {
    const store = existing ?? new EmbeddedAuditStore();
    const at = (tenantId: string, seq: number) => {
      const chain = store.storageForTamperTests(tenantId);
      return { chain, i: chain.findIndex((r) => r.seq === seq) };
    };
    const tamper: Tamper = {
      async update(tenantId, seq, patch) {
        const { chain, i } = at(tenantId, seq);
        chain[i] = Object.freeze({ ...(chain[i] as AuditRecord), ...patch }) as AuditRecord;
      },
      async remove(tenantId, seq) {
        const { chain, i } = at(tenantId, seq);
        chain.splice(i, 1);
      },
      async swap(tenantId, a, b) {
        const { chain, i } = at(tenantId, a);
        const j = at(tenantId, b).i;
        const [ra, rb] = [chain[i] as AuditRecord, chain[j] as AuditRecord];
        chain[i] = { ...rb, seq: a };
        chain[j] = { ...ra, seq: b };
      },
    };
    return { store, tamper, cleanup: async () => undefined };
  },
};

export function mongoLeg(url: string): StoreLeg {
  return {
    name: 'mongodb',
    async open() {
      const { MongoAuditStore } = await import('../../audit/mongo.store.js');
      const store: MongoAuditStore = await MongoAuditStore.connect(url, {
        dbName: `void-test-${randomUUID().slice(0, 8)}`,
        serverSelectionTimeoutMS: 3000,
      });
      const raw = store.model.collection;
      const tamper: Tamper = {
        async update(tenantId, seq, patch) {
          await raw.updateOne({ tenantId, seq }, { $set: patch });
        },
        async remove(tenantId, seq) {
          await raw.deleteOne({ tenantId, seq });
        },
        async swap(tenantId, a, b) {
          const [da, db] = [await raw.findOne({ tenantId, seq: a }), await raw.findOne({ tenantId, seq: b })];
          if (!da || !db) throw new Error('no such records');
          const { _id: ia, ...ca } = da;
          const { _id: ib, ...cb } = db;
          await raw.replaceOne({ _id: ia }, { ...cb, seq: a });
          await raw.replaceOne({ _id: ib }, { ...ca, seq: b });
        },
      };
      return {
        store,
        tamper,
        cleanup: async () => {
          await store.model.db.dropDatabase().catch(() => undefined);
          await store.close();
        },
      };
    },
  };
}

/**
 * The MongoDB leg: MONGODB_URL, or a mongod that mongodb-memory-server can start (bounded by a short timeout, so
 * that a machine without a binary and without network skips quickly instead of hanging).
 */
export async function startMongoLeg(
  timeoutMs = 15_000,
): Promise<{ url?: string; reason?: string; stop(): Promise<void> }> {
  const none = async () => undefined;
  if (process.env.MONGODB_URL) return { url: process.env.MONGODB_URL, stop: none };
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no mongod started within ${timeoutMs} ms`)), timeoutMs);
    });
    const server = await Promise.race([MongoMemoryServer.create(), timeout]).finally(() => clearTimeout(timer));
    return { url: server.getUri(), stop: async () => void (await server.stop()) };
  } catch (error) {
    return {
      reason: `MONGODB_URL is not set and mongodb-memory-server could not start a mongod (${String(
        (error as Error).message,
      )
        .split('\n')[0]
        ?.slice(0, 200)})`,
      stop: none,
    };
  }
}

let counter = 0;
export function event(tenantId: string, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  counter += 1;
  return {
    tenantId,
    action: 'command.received',
    actor: { memberId: 'alice', platform: 'slack', platformUserId: 'U0ALICE01' },
    target: `status ${counter}`,
    outcome: 'success',
    details: { command: 'status', n: counter },
    correlationId: `c-${counter}`,
    ...overrides,
  };
}
