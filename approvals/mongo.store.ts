// The production approval store: MongoDB through mongoose. Every step is one findOneAndUpdate whose filter carries
// the tenant, the expected state and the lease holder: `null` means the race was lost and nothing changed.
import { Schema, type Connection, type Model } from 'mongoose';
import { connectMongo, type MongoShare } from '../bot/core/mongo.js';
import type { ApprovalRecord, ApprovalStore, Change, LeasePurpose } from './store.js';

type Doc = ApprovalRecord & { lock?: { holder: string; until: number } | null };

const M = Schema.Types.Mixed;

export const approvalSchema = new Schema<Doc>(
  {
    id: { type: String, required: true },
    tenantId: { type: String, required: true },
    state: { type: String, required: true },
    rule: { type: String, required: true },
    kind: { type: String, required: true },
    command: { type: M, required: true },
    summary: { type: String, required: true },
    target: { type: String, required: true },
    targetDigest: String,
    binding: M,
    requester: { type: M, required: true },
    thread: { type: M, required: true },
    correlationId: { type: String, required: true },
    deliveryId: { type: String, required: true },
    quorum: { type: M, required: true },
    voidOnTargetChange: { type: Boolean, required: true },
    cancel: { type: [String], required: true },
    decisions: { type: [M], default: [] },
    createdAt: { type: String, required: true },
    expiresAt: { type: String, required: true },
    closedAt: String,
    closedBy: String,
    endReason: String,
    note: String,
    breakGlass: M,
    jobId: String,
    queued: { type: Boolean, default: false },
    lock: M,
  },
  // minimize off: an empty object in a command or a decision reads back as it was written;
  // writes majority and journaled.
  { collection: 'approval_requests', versionKey: false, minimize: false, writeConcern: { w: 'majority', j: true } },
);
approvalSchema.index({ tenantId: 1, id: 1 }, { unique: true });
approvalSchema.index({ tenantId: 1, state: 1, target: 1 });
approvalSchema.index({ tenantId: 1, 'breakGlass.followUpId': 1 });

const PROJECTION = { _id: 0, lock: 0 } as const;

function toRecord(doc: unknown): ApprovalRecord | undefined {
  if (!doc) return undefined;
  const { _id: _a, lock: _b, ...rest } = doc as Doc & { _id?: unknown };
  return JSON.parse(JSON.stringify(rest)) as ApprovalRecord;
}

export class MongoApprovalStore implements ApprovalStore {
  private constructor(
    readonly model: Model<Doc>,
    /** The process's shared connection (bot/core/mongo.ts); absent when the caller passed its own connection. */
    private readonly share: MongoShare | undefined,
  ) {}

  /**
   * Connects to MongoDB (sharing the process's connection, or reusing a given one) and makes sure the indexes exist.
   */
  static async connect(
    url: string | Connection,
    options: { dbName?: string; serverSelectionTimeoutMS?: number } = {},
  ): Promise<MongoApprovalStore> {
    const share = typeof url === 'string' ? await connectMongo(url, options) : undefined;
    const connection = share?.connection ?? (url as Connection);
    if (!share) await connection.asPromise();
    const model = connection.model<Doc>('ApprovalRequest', approvalSchema);
    await model.createIndexes();
    return new MongoApprovalStore(model, share);
  }

  async create(record: ApprovalRecord): Promise<'created' | 'exists'> {
    try {
      await this.model.create([{ ...record, lock: null }]);
      return 'created';
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return 'exists';
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<ApprovalRecord | undefined> {
    return toRecord(await this.model.findOne({ tenantId, id }, PROJECTION).lean());
  }

  async lease(
    tenantId: string,
    id: string,
    purpose: LeasePurpose,
    holder: string,
    leaseMs: number,
    nowMs: number,
  ): Promise<ApprovalRecord | undefined> {
    const filter: Record<string, unknown> = { tenantId, id, $or: [{ lock: null }, { 'lock.until': { $lt: nowMs } }] };
    if (purpose === 'decide') filter.state = 'pending';
    else filter['breakGlass.followUp'] = 'open';
    const doc = await this.model
      .findOneAndUpdate(
        filter,
        { $set: { lock: { holder, until: nowMs + leaseMs } } },
        { returnDocument: 'after', projection: PROJECTION },
      )
      .lean();
    return toRecord(doc);
  }

  async release(tenantId: string, id: string, holder: string): Promise<void> {
    await this.model.updateOne({ tenantId, id, 'lock.holder': holder }, { $set: { lock: null } });
  }

  async commit(tenantId: string, id: string, holder: string, change: Change): Promise<ApprovalRecord | undefined> {
    const { decision, ...rest } = change;
    const filter: Record<string, unknown> = { tenantId, id, state: 'pending', 'lock.holder': holder };
    if (decision) filter['decisions.memberId'] = { $ne: decision.memberId };
    const update: Record<string, unknown> = { $set: { ...rest, lock: null } };
    if (decision) update.$push = { decisions: decision };
    const doc = await this.model
      .findOneAndUpdate(filter, update, { returnDocument: 'after', projection: PROJECTION })
      .lean();
    return toRecord(doc);
  }

  async acknowledge(
    tenantId: string,
    id: string,
    holder: string,
    by: string,
    at: string,
  ): Promise<ApprovalRecord | undefined> {
    const doc = await this.model
      .findOneAndUpdate(
        { tenantId, id, 'breakGlass.followUp': 'open', 'lock.holder': holder },
        {
          $set: {
            'breakGlass.followUp': 'acknowledged',
            'breakGlass.acknowledgedBy': by,
            'breakGlass.acknowledgedAt': at,
            lock: null,
          },
        },
        { returnDocument: 'after', projection: PROJECTION },
      )
      .lean();
    return toRecord(doc);
  }

  async markQueued(tenantId: string, id: string, jobId: string): Promise<void> {
    await this.model.updateOne({ tenantId, id, state: 'approved' }, { $set: { queued: true, jobId } });
  }

  async findByFollowUp(tenantId: string, followUpId: string): Promise<ApprovalRecord | undefined> {
    return toRecord(await this.model.findOne({ tenantId, 'breakGlass.followUpId': followUpId }, PROJECTION).lean());
  }

  async listPending(tenantId: string, limit: number): Promise<ApprovalRecord[]> {
    const docs = await this.model
      .find({ tenantId, state: 'pending' }, PROJECTION)
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => toRecord(d) as ApprovalRecord);
  }

  async listPendingByTarget(tenantId: string, target: string): Promise<ApprovalRecord[]> {
    const docs = await this.model
      .find({ tenantId, state: 'pending', target }, PROJECTION)
      .sort({ createdAt: 1 })
      .lean();
    return docs.map((d) => toRecord(d) as ApprovalRecord);
  }

  async openFollowUps(tenantId: string): Promise<ApprovalRecord[]> {
    const docs = await this.model
      .find({ tenantId, 'breakGlass.followUp': 'open' }, PROJECTION)
      .sort({ createdAt: 1 })
      .lean();
    return docs.map((d) => toRecord(d) as ApprovalRecord);
  }

  async ping(): Promise<void> {
    await this.model.db.db?.admin().ping();
  }

  async close(): Promise<void> {
    await this.share?.release();
  }
}
