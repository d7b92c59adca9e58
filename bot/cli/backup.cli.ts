// `void backup <file>` and `void restore <file>`: a consistent, checksummed copy of every tenant's audit trail and
// state, taken online (the server keeps running), and its restore into an empty data directory with every chain
// verified before success is reported. API token digests (kept in Redis) travel in the same file.
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { backupDataDir, BackupError, restoreDataDir } from '../backup.js';
import { loadConfig, type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import { createRedis, DEFAULT_REDIS_URL } from '../redis.js';
import { describeVerify } from '../../audit/verify.js';

export const BACKUP_USAGE = `Backup and restore (the durable embedded store in VOID_DATA_DIR; docs/operations.md):
  void backup <file>     write a checksummed snapshot of every tenant's audit trail, approvals, Slack installations,
                         personal data and API token digests; the server may keep running
  void restore <file>    restore it into an EMPTY VOID_DATA_DIR (and the token digests into Redis), then verify every
                         chain; exits 1 if any chain does not verify`;

const MONGO =
  'MONGODB_URL is set: back up MongoDB with mongodump --oplog (and restore with mongorestore --oplogReplay), ' +
  'which copies the audit trail, approvals and installations consistently; "void backup" covers the embedded ' +
  'store in VOID_DATA_DIR. See docs/operations.md "Backup and restore".';

const tokenKey = (config: Config) => `${config.env.VOID_KEY_PREFIX}:audit:api-tokens`;

/** The API token digests in Redis, or undefined (with a warning) when Redis does not answer. */
async function readTokens(config: Config, err: Writable): Promise<Record<string, string> | undefined> {
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: true,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.hgetall(tokenKey(config));
  } catch {
    err.write(
      '! Redis does not answer: the backup holds no API token digests (tokens would have to be issued again).\n',
    );
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function writeTokens(config: Config, tokens: Record<string, string>): Promise<number> {
  const entries = Object.entries(tokens);
  if (!entries.length) return 0;
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.hset(tokenKey(config), tokens);
    return entries.length;
  } finally {
    redis.disconnect();
  }
}

export async function runBackupCli(
  argv: readonly string[],
  deps: { config?: Config; stdout?: Writable; stderr?: Writable } = {},
): Promise<number> {
  const { positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: {} });
  const [command, file] = positionals;
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;
  if (!file) throw new VoidError('cli.missing_file', `void ${command} needs a file.\n${BACKUP_USAGE}`);
  const config = deps.config ?? loadConfig();
  if (config.env.MONGODB_URL) throw new VoidError('cli.backup_mongodb', MONGO);
  if (config.env.VOID_EMBEDDED_STORE === 'memory')
    throw new VoidError(
      'cli.backup_memory',
      'VOID_EMBEDDED_STORE=memory keeps nothing outside the running process: there is nothing to back up.',
    );
  const dataDir = config.env.VOID_DATA_DIR;
  try {
    if (command === 'backup') {
      const tokens = await readTokens(config, err);
      const s = await backupDataDir(dataDir, file, tokens ? { apiTokens: tokens } : {});
      out.write(
        `Backed up ${dataDir} to ${file}: ${s.tenants} tenant trail(s), ${s.counts.audit ?? 0} audit ` +
          `record(s), ${s.counts.approval ?? 0} approval(s), ${s.counts.installation ?? 0} Slack ` +
          `installation(s), ${s.counts.personal ?? 0} personal data item(s), ${Object.keys(tokens ?? {}).length} ` +
          `API token digest(s); ${s.bytes} bytes in ${s.seconds.toFixed(2)} s.\n`,
      );
      return 0;
    }
    const restored = await restoreDataDir(file, dataDir);
    const tokens = (restored.extras.apiTokens ?? {}) as Record<string, string>;
    const written = await writeTokens(config, tokens);
    for (const result of restored.verify.filter((r) => !r.ok)) err.write(`${describeVerify(result)}\n`);
    const broken = restored.verify.filter((r) => !r.ok).length;
    out.write(
      `Restored ${file} into ${dataDir} in ${restored.seconds.toFixed(2)} s: ${restored.tenants} tenant ` +
        `trail(s), ${restored.records} record(s) ` +
        `— ${broken ? `${broken} chain(s) do NOT verify` : 'every chain verifies'}; ${restored.approvals} ` +
        `approval(s) (${restored.pending} pending, their expiry timers are set again when Void starts); ${written} ` +
        `API token digest(s) into Redis.\n`,
    );
    return broken ? 1 : 0;
  } catch (error) {
    if (error instanceof BackupError) throw new VoidError(error.code, error.message);
    throw error;
  }
}
