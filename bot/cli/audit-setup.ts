// What every `void audit` and `void gdpr` subcommand needs before it runs: the injectable dependencies, the store
// (MongoDB, or the data directory: read-only while a server owns it) and the readers of the parsed arguments.
import type { Writable } from 'node:stream';
import type { AuditStore } from '../../audit/types.js';
import { parseTime } from '../../audit/query.js';
import type { IdentityRef } from '../../audit/personal.js';
import { type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import type { Member } from '../core/types.js';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { DataDirLockedError, readLock } from '../../audit/storage/datadir.js';

const AUDIT_TITLE =
  'Audit trail and GDPR (against MONGODB_URL, else the data directory VOID_DATA_DIR; API tokens against REDIS_URL):';

export const AUDIT_USAGE = `${AUDIT_TITLE}
  void audit verify --tenant <id> [--head-seq <n> --head-hash <hex>]   recompute the chain; name the first broken record
  void audit export --tenant <id> [--format jsonl|csv] [--since <date>] [--until <date>] [--out <file>]
  void audit report --tenant <id> [--since <date>] [--until <date>] [--format md|csv] [--out <file>]
  void audit prune [--tenant <id>]                                   apply the tenants' audit.retentionDays now
  void audit token create --tenant <id> --member <id> [--label <text>]   an HTTP API token (compliance officers, admins)
  void audit token revoke --id <token id>                            the token stops working at once
  void gdpr export --tenant <id> --member <id>                       the personal data held about a member (JSON)
  void gdpr erase --tenant <id> --member <id> --yes                  delete it; the audit chain still verifies`;

export interface AuditCliDeps {
  readonly config?: Config;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Opens the audit store (default: MongoDB at MONGODB_URL, else the data directory VOID_DATA_DIR). */
  readonly openStore?: (config: Config) => Promise<AuditStore>;
}

export type Values = Record<string, string | boolean | undefined>;

export const EMBEDDED_ONLY =
  'VOID_EMBEDDED_STORE=memory: the audit trail lives inside the running Void process, and the CLI cannot reach ' +
  'it. Use the running server instead: the HTTP API (GET /api/tenants/<id>/audit, /audit/verify, ' +
  '/audit/export with a token from "void audit token create") or the chat command "audit verify" / "audit ' +
  'export". Unset VOID_EMBEDDED_STORE (files) or set MONGODB_URL to use these commands.';

/** MongoDB, or the data directory: as its owner when no server runs, else a read-only view of it. */
export async function openStore(config: Config): Promise<AuditStore> {
  if (config.env.MONGODB_URL) {
    const { MongoAuditStore } = await import('../../audit/mongo.store.js');
    return MongoAuditStore.connect(config.env.MONGODB_URL);
  }
  if (config.env.VOID_EMBEDDED_STORE === 'memory') throw new VoidError('cli.audit_embedded', EMBEDDED_ONLY);
  try {
    return await DurableAuditStore.open(config.env.VOID_DATA_DIR);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    return DurableAuditStore.open(config.env.VOID_DATA_DIR, { readOnly: true });
  }
}

/** Why this CLI cannot write, when it reads a data directory a server owns. */
export function readOnlyNote(store: AuditStore): string | undefined {
  if (!(store instanceof DurableAuditStore) || !store.dir.readOnly) return undefined;
  const holder = readLock(store.dir.path);
  return (
    `the data directory ${store.dir.path} is owned ` +
    `by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'}`
  );
}

export function need(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value)
    throw new VoidError('cli.missing_option', `--${name} is required.\n${AUDIT_USAGE}`);
  return value;
}

export function time(values: Values, name: string): string | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const parsed = parseTime(raw);
  if (!parsed)
    throw new VoidError('cli.bad_date', `--${name} must be a date (YYYY-MM-DD) or an ISO-8601 time (got "${raw}").`);
  return parsed;
}

export function identitiesOf(member: Member): IdentityRef[] {
  return Object.entries(member.identities).flatMap(([platform, ids]) =>
    ((ids ?? []) as readonly string[]).map((platformUserId) => ({ platform, platformUserId })),
  );
}
