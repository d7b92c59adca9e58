// Chooses the audit store: MongoDB (mongoose) when MONGODB_URL is set, the embedded store otherwise.
import { EmbeddedAuditStore } from './embedded.store.js';
import type { AuditStore } from './types.js';

export async function createAuditStore(mongodbUrl: string | undefined): Promise<AuditStore> {
  if (!mongodbUrl) return new EmbeddedAuditStore();
  const { MongoAuditStore } = await import('./mongo.store.js');
  return MongoAuditStore.connect(mongodbUrl);
}
