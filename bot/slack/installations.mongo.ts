// Slack installation records in MongoDB (mongoose): one document per team id, the token sealed.
import { Schema, type Model } from 'mongoose';
import { connectMongo, type MongoShare } from '../core/mongo.js';
import type { InstallationRecords, StoredInstallation } from './installation.types.js';

export const installationSchema = new Schema<StoredInstallation>(
  {
    tenantId: { type: String, required: true },
    teamId: { type: String, required: true },
    enterpriseId: String,
    sealedToken: { type: String, required: true },
    botId: { type: String, required: true },
    botUserId: { type: String, required: true },
    appId: String,
    scopes: { type: [String], default: [] },
    installedBy: String,
    installedAt: { type: String, required: true },
  },
  { collection: 'slack_installations', versionKey: false, strict: 'throw' },
);
installationSchema.index({ teamId: 1 }, { unique: true });
installationSchema.index({ tenantId: 1, teamId: 1 });

function toRecord(doc: Record<string, unknown>): StoredInstallation {
  const { _id: _ignored, ...rest } = doc;
  for (const key of Object.keys(rest)) if (rest[key] === null || rest[key] === undefined) delete rest[key];
  return rest as unknown as StoredInstallation;
}

export class MongoInstallationRecords implements InstallationRecords {
  private constructor(
    /** The process's shared connection (bot/core/mongo.ts). */
    private readonly share: MongoShare,
    readonly model: Model<StoredInstallation>,
  ) {}

  static async connect(url: string, dbName?: string): Promise<MongoInstallationRecords> {
    const share = await connectMongo(url, { dbName });
    const model = share.connection.model<StoredInstallation>('SlackInstallation', installationSchema);
    await model.createIndexes();
    return new MongoInstallationRecords(share, model);
  }

  async upsert(record: StoredInstallation): Promise<void> {
    await this.model.replaceOne({ teamId: record.teamId }, { ...record }, { upsert: true });
  }

  async findByTeam(teamId: string): Promise<StoredInstallation | undefined> {
    const doc = await this.model.findOne({ teamId: String(teamId) }).lean();
    return doc ? toRecord(doc as unknown as Record<string, unknown>) : undefined;
  }

  async listForTenant(tenantId: string): Promise<StoredInstallation[]> {
    const docs = await this.model
      .find({ tenantId: String(tenantId) })
      .sort({ teamId: 1 })
      .lean();
    return docs.map((d) => toRecord(d as unknown as Record<string, unknown>));
  }

  async remove(tenantId: string, teamId: string): Promise<boolean> {
    const result = await this.model.deleteOne({ tenantId: String(tenantId), teamId: String(teamId) });
    return result.deletedCount === 1;
  }

  async close(): Promise<void> {
    await this.share.release();
  }
}
