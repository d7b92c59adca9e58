// Slack installations (multi-workspace mode): one record per workspace, bound to the tenant whose bindings list the
// team id. Stores keep only the sealed token (AES-256-GCM, see token-cipher.ts); the plaintext exists only in memory.
import { openDataDir } from '../../audit/storage/datadir.js';
import { DurableMap } from '../../audit/storage/kv.js';
import type { TokenCipher } from './token-cipher.js';
import { registerSecret } from '../logger.js';

export type { InstallationRecords, SlackInstallation, StoredInstallation } from './installation.types.js';
import type { InstallationRecords, SlackInstallation, StoredInstallation } from './installation.types.js';

/** Seals tokens on the way in and opens them on the way out; the store never sees a plaintext token. */
export class InstallationStore {
  constructor(
    readonly records: InstallationRecords,
    private readonly cipher: TokenCipher,
  ) {}

  async save(installation: SlackInstallation): Promise<void> {
    const { botToken, ...rest } = installation;
    await this.records.upsert({ ...rest, sealedToken: this.cipher.encrypt(botToken, installation.teamId) });
  }

  async find(teamId: string): Promise<SlackInstallation | undefined> {
    const record = await this.records.findByTeam(teamId);
    return record ? this.open(record) : undefined;
  }

  async listForTenant(tenantId: string): Promise<SlackInstallation[]> {
    return (await this.records.listForTenant(tenantId)).map((r) => this.open(r));
  }

  remove(tenantId: string, teamId: string): Promise<boolean> {
    return this.records.remove(tenantId, teamId);
  }

  close(): Promise<void> {
    return this.records.close();
  }

  private open(record: StoredInstallation): SlackInstallation {
    const { sealedToken, ...rest } = record;
    const botToken = this.cipher.decrypt(sealedToken, record.teamId);
    registerSecret(botToken);
    return { ...rest, botToken };
  }
}

/** The embedded (in-process) records, used when MONGODB_URL is unset. Same contract as the MongoDB records. */
export class EmbeddedInstallationRecords implements InstallationRecords {
  private readonly byTeam = new Map<string, StoredInstallation>();

  async upsert(record: StoredInstallation): Promise<void> {
    this.byTeam.set(record.teamId, structuredClone(record));
  }

  async findByTeam(teamId: string): Promise<StoredInstallation | undefined> {
    const found = this.byTeam.get(teamId);
    return found ? structuredClone(found) : undefined;
  }

  async listForTenant(tenantId: string): Promise<StoredInstallation[]> {
    return [...this.byTeam.values()].filter((r) => r.tenantId === tenantId).map((r) => structuredClone(r));
  }

  async remove(tenantId: string, teamId: string): Promise<boolean> {
    const found = this.byTeam.get(teamId);
    if (!found || found.tenantId !== tenantId) return false;
    return this.byTeam.delete(teamId);
  }

  async close(): Promise<void> {}
}

/**
 * The durable embedded records: the in-memory index, each change written to
 * VOID_DATA_DIR/state/slack-installations.log.
 */
export class DurableInstallationRecords extends EmbeddedInstallationRecords {
  private constructor(
    private readonly map: DurableMap<StoredInstallation>,
    private readonly releaseDir: () => void,
  ) {
    super();
    for (const record of map.map.values()) void super.upsert(record);
  }

  static async open(path: string): Promise<DurableInstallationRecords> {
    const dir = openDataDir(path);
    try {
      return new DurableInstallationRecords(
        await DurableMap.open<StoredInstallation>(dir, 'state', 'slack-installations'),
        () => dir.release(),
      );
    } catch (error) {
      dir.release();
      throw error;
    }
  }

  override async upsert(record: StoredInstallation): Promise<void> {
    await super.upsert(record);
    await this.map.put(record.teamId, structuredClone(record));
  }

  override async remove(tenantId: string, teamId: string): Promise<boolean> {
    if (!(await super.remove(tenantId, teamId))) return false;
    await this.map.delete(teamId);
    return true;
  }

  override async close(): Promise<void> {
    await this.map.close();
    this.releaseDir();
  }
}

export async function createInstallationRecords(env: {
  MONGODB_URL?: string | undefined;
  VOID_DATA_DIR: string;
  VOID_EMBEDDED_STORE: 'files' | 'memory';
}): Promise<InstallationRecords> {
  if (!env.MONGODB_URL)
    return env.VOID_EMBEDDED_STORE === 'memory'
      ? new EmbeddedInstallationRecords()
      : DurableInstallationRecords.open(env.VOID_DATA_DIR);
  const { MongoInstallationRecords } = await import('./installations.mongo.js');
  return MongoInstallationRecords.connect(env.MONGODB_URL);
}
