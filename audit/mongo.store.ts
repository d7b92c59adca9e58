// The production audit store: MongoDB through mongoose. Append-only: a unique index on (tenantId, seq) makes a
// concurrent writer lose with E11000 instead of forking the chain, and schema hooks refuse every update and delete.
// A read returns byte for byte what was hashed: the record's canonical JSON is stored as one string (`canonical`)
// and read back from it, because BSON and mongoose would otherwise change it (minimize drops empty objects, the
// actor sub-schema drops unknown keys, BSON turns lone surrogates into U+FFFD). JSON.stringify escapes lone
// surrogates, so the string is well-formed UTF-8. The other fields exist for queries and indexes only.
// Writes are majority-acknowledged and journaled.
import { Schema, type Model } from 'mongoose';
import { connectMongo, type MongoShare } from '../bot/core/mongo.js';
import { canonicalJson } from './hash.js';
import { MongoPersonalDataStore } from './personal.mongo.js';
import { familyPrefix } from './query.js';
import type { AuditFilter, AuditRecord, AuditStore } from './types.js';

const actorSchema = new Schema(
  { memberId: String, platform: { type: String, required: true }, platformUserId: String },
  { _id: false },
);

/** What MongoDB holds: the query fields and the canonical content (`details` only in documents of older versions). */
export type StoredAuditRecord = AuditRecord & { readonly canonical?: string };

export const auditRecordSchema = new Schema<StoredAuditRecord>(
  {
    tenantId: { type: String, required: true, immutable: true },
    seq: { type: Number, required: true, immutable: true },
    ts: { type: String, required: true, immutable: true },
    actor: { type: actorSchema, required: true, immutable: true },
    action: { type: String, required: true, immutable: true },
    target: { type: String, immutable: true },
    outcome: { type: String, required: true, immutable: true },
    details: { type: Schema.Types.Mixed, immutable: true },
    /** canonicalJson of the record without its hash: what was hashed, and what a read returns. */
    canonical: { type: String, immutable: true },
    correlationId: { type: String, required: true, immutable: true },
    prevHash: { type: String, required: true, immutable: true },
    hash: { type: String, required: true, immutable: true },
  },
  {
    collection: 'audit_records',
    versionKey: false,
    strict: 'throw',
    minimize: true,
    writeConcern: { w: 'majority', j: true },
  },
);

auditRecordSchema.index({ tenantId: 1, seq: 1 }, { unique: true });
auditRecordSchema.index({ tenantId: 1, ts: 1 });
auditRecordSchema.index({ tenantId: 1, 'actor.memberId': 1, seq: 1 });
auditRecordSchema.index({ tenantId: 1, action: 1, seq: 1 });
auditRecordSchema.index({ tenantId: 1, correlationId: 1, seq: 1 });

const refuse = (op: string) =>
  function refuseWrite(): never {
    throw new Error(`audit records are append-only: ${op} is refused`);
  };
for (const op of [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'replaceOne',
  'findOneAndReplace',
  'deleteOne',
  'deleteMany',
  'findOneAndDelete',
] as const) {
  auditRecordSchema.pre(op, refuse(op));
}
auditRecordSchema.pre('updateOne', { document: true, query: false }, refuse('document updateOne'));
auditRecordSchema.pre('bulkWrite', refuse('bulkWrite'));
auditRecordSchema.pre('validate', function refuseResave() {
  if (!this.isNew) throw new Error('audit records are append-only: saving a changed record is refused');
});

export class AuditRoundTripError extends Error {
  override readonly name = 'AuditRoundTripError';
}

/** The document stored for a record: query fields plus the canonical content. Refuses what JSON cannot carry. */
export function toDocument(record: AuditRecord): Record<string, unknown> {
  const { hash, details: _details, ...content } = record;
  const refuse = (why: string) =>
    new AuditRoundTripError(`audit record ${record.tenantId}#${record.seq} cannot be stored as hashed: ${why}`);
  let canonical: string;
  try {
    canonical = canonicalJson({ ...content, details: record.details });
  } catch (error) {
    throw refuse(`its content is not JSON (${(error as Error).message})`);
  }
  if (canonicalJson(JSON.parse(canonical)) !== canonical)
    throw refuse('its content does not survive a JSON round trip');
  const actor = {
    memberId: record.actor.memberId,
    platform: record.actor.platform,
    platformUserId: record.actor.platformUserId,
  };
  return { ...content, actor, hash, canonical };
}

/** A stored document → the record exactly as hashed (documents written before `canonical` existed: as stored). */
export function toRecord(doc: Record<string, unknown>): AuditRecord {
  if (typeof doc.canonical === 'string')
    return { ...(JSON.parse(doc.canonical) as Omit<AuditRecord, 'hash'>), hash: doc.hash as string };
  const { _id: _ignored, canonical: _c, ...rest } = doc;
  return rest as unknown as AuditRecord;
}

export class MongoAuditStore implements AuditStore {
  private constructor(
    /** The process's shared connection (bot/core/mongo.ts). */
    private readonly share: MongoShare,
    readonly model: Model<StoredAuditRecord>,
    readonly personal: MongoPersonalDataStore,
  ) {}

  static async connect(
    url: string,
    options: { serverSelectionTimeoutMS?: number; dbName?: string } = {},
  ): Promise<MongoAuditStore> {
    const share = await connectMongo(url, options);
    const { connection } = share;
    const model = connection.model<StoredAuditRecord>('AuditRecord', auditRecordSchema);
    await model.createIndexes();
    return new MongoAuditStore(share, model, await MongoPersonalDataStore.on(connection));
  }

  async insert(record: AuditRecord): Promise<boolean> {
    try {
      await this.model.create([toDocument(record)]);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  async head(tenantId: string): Promise<AuditRecord | undefined> {
    const doc = await this.model.findOne({ tenantId }).sort({ seq: -1 }).lean();
    return doc ? toRecord(doc as unknown as Record<string, unknown>) : undefined;
  }

  async range(tenantId: string, fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const docs = await this.model
      .find({ tenantId, seq: { $gte: fromSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d as unknown as Record<string, unknown>));
  }

  async query(tenantId: string, filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const docs = await this.model
      .find(mongoFilter(tenantId, filter, afterSeq))
      .sort({ seq: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d as unknown as Record<string, unknown>));
  }

  /** Retention only. Goes through the driver's collection, below the schema hooks that refuse every delete. */
  async prune(tenantId: string, throughSeq: number): Promise<number> {
    const result = await this.model.collection.deleteMany({ tenantId, seq: { $lte: throughSeq } });
    return result.deletedCount;
  }

  async ping(): Promise<void> {
    await this.model.db.db?.admin().ping();
  }

  async close(): Promise<void> {
    await this.share.release();
  }
}

export function mongoFilter(tenantId: string, filter: AuditFilter, afterSeq: number): Record<string, unknown> {
  const seq: Record<string, number> = { $gt: afterSeq };
  if (filter.maxSeq !== undefined) seq.$lte = filter.maxSeq;
  const query: Record<string, unknown> = { tenantId, seq };
  if (filter.from !== undefined || filter.until !== undefined) {
    query.ts = {
      ...(filter.from !== undefined ? { $gte: filter.from } : {}),
      ...(filter.until !== undefined ? { $lt: filter.until } : {}),
    };
  }
  if (filter.actor !== undefined) query['actor.memberId'] = filter.actor;
  if (filter.target !== undefined) query.target = filter.target;
  if (filter.correlationId !== undefined) query.correlationId = filter.correlationId;
  if (filter.action !== undefined) {
    const family = familyPrefix(filter.action);
    query.action = family ? { $regex: `^${family.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` } : filter.action;
  }
  return query;
}
