// Personal data in MongoDB (collection audit_personal_data), beside the audit records. Unlike the records this
// collection is erasable: GDPR erasure deletes a person's data here and leaves the hash chain untouched.
import { Schema, type Connection, type Model } from 'mongoose';
import {
  belongsTo,
  identityKey,
  newRef,
  type IdentityRef,
  type PersonalDatum,
  type PersonalDataStore,
} from './personal.js';

interface PersonalDoc extends PersonalDatum {
  /** `platform:user id` for identities (unique per tenant), absent for texts. */
  readonly identityKey?: string;
}

const personalSchema = new Schema<PersonalDoc>(
  {
    ref: { type: String, required: true },
    tenantId: { type: String, required: true },
    memberId: String,
    kind: { type: String, required: true, enum: ['identity', 'text'] },
    label: { type: String, required: true },
    value: { type: String, required: true },
    createdAt: { type: String, required: true },
    identityKey: String,
  },
  { collection: 'audit_personal_data', versionKey: false, strict: 'throw' },
);
personalSchema.index({ tenantId: 1, ref: 1 }, { unique: true });
personalSchema.index({ tenantId: 1, memberId: 1 });
personalSchema.index(
  { tenantId: 1, identityKey: 1 },
  { unique: true, partialFilterExpression: { identityKey: { $exists: true } } },
);

function toDatum(doc: Record<string, unknown>): PersonalDatum {
  const { _id: _ignored, identityKey: _key, ...rest } = doc;
  return rest as unknown as PersonalDatum;
}

export class MongoPersonalDataStore implements PersonalDataStore {
  private constructor(private readonly model: Model<PersonalDoc>) {}

  static async on(connection: Connection): Promise<MongoPersonalDataStore> {
    const model = connection.model<PersonalDoc>('AuditPersonalDatum', personalSchema);
    await model.createIndexes();
    return new MongoPersonalDataStore(model);
  }

  async pseudonym(tenantId: string, memberId: string | undefined, identity: IdentityRef): Promise<string> {
    const key = identityKey(identity);
    const insert = {
      ref: newRef('pid'),
      tenantId,
      kind: 'identity',
      label: identity.platform,
      value: identity.platformUserId,
      createdAt: new Date().toISOString(),
      ...(memberId ? { memberId } : {}),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const doc = await this.model
          .findOneAndUpdate(
            { tenantId, identityKey: key },
            { $setOnInsert: insert },
            { upsert: true, returnDocument: 'after' },
          )
          .lean();
        if (doc) return doc.ref;
      } catch (error) {
        // Two writers upserting the same identity at once: one gets E11000 and reads the winner's document.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    throw new Error('could not create a pseudonym after three attempts');
  }

  async put(tenantId: string, memberId: string | undefined, label: string, value: string): Promise<string> {
    const ref = newRef('pd');
    await this.model.create([
      {
        ref,
        tenantId,
        kind: 'text',
        label,
        value,
        createdAt: new Date().toISOString(),
        ...(memberId ? { memberId } : {}),
      },
    ]);
    return ref;
  }

  async get(tenantId: string, ref: string): Promise<PersonalDatum | undefined> {
    const doc = await this.model.findOne({ tenantId, ref }).lean();
    return doc ? toDatum(doc as unknown as Record<string, unknown>) : undefined;
  }

  async forSubject(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<PersonalDatum[]> {
    const keys = identities.map(identityKey);
    const docs = await this.model.find({ tenantId, $or: [{ memberId }, { identityKey: { $in: keys } }] }).lean();
    const keySet = new Set(keys);
    return docs
      .map((d) => toDatum(d as unknown as Record<string, unknown>))
      .filter((d) => belongsTo(d, memberId, keySet));
  }

  async erase(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<number> {
    const result = await this.model.deleteMany({
      tenantId,
      $or: [{ memberId }, { identityKey: { $in: identities.map(identityKey) } }],
    });
    return result.deletedCount;
  }
}
