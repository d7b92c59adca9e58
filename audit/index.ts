// Chooses the audit store: MongoDB (mongoose) when MONGODB_URL is set; otherwise the durable embedded store in
// VOID_DATA_DIR (or, with VOID_EMBEDDED_STORE=memory, the in-memory one that keeps nothing across a restart).
import { DurableAuditStore } from './durable.store.js';
import { MemoryAuditStore } from './embedded.store.js';
import type { AuditStore } from './types.js';

export interface StoreEnv {
  readonly MONGODB_URL?: string | undefined;
  readonly VOID_DATA_DIR: string;
  readonly VOID_EMBEDDED_STORE: 'files' | 'memory';
}

export async function createAuditStore(env: StoreEnv): Promise<AuditStore> {
  if (!env.MONGODB_URL)
    return env.VOID_EMBEDDED_STORE === 'memory' ? new MemoryAuditStore() : DurableAuditStore.open(env.VOID_DATA_DIR);
  const { MongoAuditStore } = await import('./mongo.store.js');
  return MongoAuditStore.connect(env.MONGODB_URL);
}
