// Personal data (platform identities, names, emails, free text typed by people) is kept OUTSIDE the hashed audit
// records. Records carry only pseudonymous references (`pid-…` for a platform identity, `pd-…` for a piece of text);
// GDPR erasure deletes the data behind the references, so the hash chain stays intact and verifiable.
import { randomBytes } from 'node:crypto';

export type PersonalKind = 'identity' | 'text';

export interface PersonalDatum {
  readonly ref: string;
  readonly tenantId: string;
  /** The member the datum belongs to, when known (unknown people are identified by their platform identity). */
  readonly memberId?: string | undefined;
  readonly kind: PersonalKind;
  /** For identities: the platform; for texts: the field it came from (`reason`, `comment`, …). */
  readonly label: string;
  readonly value: string;
  readonly createdAt: string;
}

/** A platform identity of a person, as listed in the tenants file (`slack: U0ALICE01`, `github: alice`). */
export interface IdentityRef {
  readonly platform: string;
  readonly platformUserId: string;
}

export interface PersonalDataStore {
  /** The stable pseudonym (`pid-…`) of one platform identity in one tenant; created on first use. */
  pseudonym(tenantId: string, memberId: string | undefined, identity: IdentityRef): Promise<string>;
  /** Keeps a piece of personal text; returns its reference (`pd-…`) for the audit record. */
  put(tenantId: string, memberId: string | undefined, label: string, value: string): Promise<string>;
  get(tenantId: string, ref: string): Promise<PersonalDatum | undefined>;
  /** Everything held about a person: by member id, and by any of their platform identities. */
  forSubject(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<PersonalDatum[]>;
  /** Deletes everything held about a person; resolves how many data were deleted. */
  erase(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<number>;
}

export const newRef = (prefix: 'pid' | 'pd'): string => `${prefix}-${randomBytes(12).toString('base64url')}`;

export const identityKey = (identity: IdentityRef): string =>
  `${identity.platform}:${identity.platformUserId.toLowerCase()}`;

/** Detail keys whose string values are free text typed by people: moved to the personal store by the trail. */
export const PERSONAL_DETAIL_KEYS = ['reason', 'comment', 'text', 'message', 'note', 'body', 'name', 'email'] as const;

export function belongsTo(datum: PersonalDatum, memberId: string, keys: ReadonlySet<string>): boolean {
  if (datum.memberId === memberId) return true;
  return datum.kind === 'identity' && keys.has(`${datum.label}:${datum.value.toLowerCase()}`);
}

/** The in-process personal data store that goes with the embedded audit store. */
export class EmbeddedPersonalDataStore implements PersonalDataStore {
  private readonly data = new Map<string, Map<string, PersonalDatum>>();
  private readonly identities = new Map<string, string>();

  /** The durable store (audit/durable.store.ts) passes a journal that writes each change to disk. */
  constructor(
    private readonly journal?: {
      put(datum: PersonalDatum): Promise<void>;
      remove(datum: PersonalDatum): Promise<void>;
    },
  ) {}

  /** Loads data kept by the journal (at open). */
  load(data: Iterable<PersonalDatum>): void {
    for (const datum of data) {
      this.index(datum);
      if (datum.kind === 'identity')
        this.identities.set(
          `${datum.tenantId}\u0000${identityKey({ platform: datum.label, platformUserId: datum.value })}`,
          datum.ref,
        );
    }
  }

  async pseudonym(tenantId: string, memberId: string | undefined, identity: IdentityRef): Promise<string> {
    const key = `${tenantId}\u0000${identityKey(identity)}`;
    const known = this.identities.get(key);
    if (known && this.data.get(tenantId)?.has(known)) return known;
    const ref = newRef('pid');
    const saved = this.save({
      ref,
      tenantId,
      memberId,
      kind: 'identity',
      label: identity.platform,
      value: identity.platformUserId,
      createdAt: new Date().toISOString(),
    });
    this.identities.set(key, ref);
    await saved;
    return ref;
  }

  async put(tenantId: string, memberId: string | undefined, label: string, value: string): Promise<string> {
    const ref = newRef('pd');
    await this.save({ ref, tenantId, memberId, kind: 'text', label, value, createdAt: new Date().toISOString() });
    return ref;
  }

  async get(tenantId: string, ref: string): Promise<PersonalDatum | undefined> {
    return this.data.get(tenantId)?.get(ref);
  }

  async forSubject(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<PersonalDatum[]> {
    const keys = new Set(identities.map(identityKey));
    return [...(this.data.get(tenantId)?.values() ?? [])].filter((d) => belongsTo(d, memberId, keys));
  }

  async erase(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<number> {
    const found = await this.forSubject(tenantId, memberId, identities);
    const bucket = this.data.get(tenantId);
    const removed: Array<Promise<void>> = [];
    for (const datum of found) {
      bucket?.delete(datum.ref);
      if (datum.kind === 'identity')
        this.identities.delete(`${tenantId}\u0000${datum.label}:${datum.value.toLowerCase()}`);
      if (this.journal) removed.push(this.journal.remove(datum));
    }
    await Promise.all(removed);
    return found.length;
  }

  private save(datum: PersonalDatum): Promise<void> {
    this.index(datum);
    return this.journal ? this.journal.put(datum) : Promise.resolve();
  }

  private index(datum: PersonalDatum): void {
    const bucket = this.data.get(datum.tenantId) ?? new Map<string, PersonalDatum>();
    bucket.set(datum.ref, Object.freeze(datum));
    this.data.set(datum.tenantId, bucket);
  }
}
