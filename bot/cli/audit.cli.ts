// `void audit …` and `void gdpr …`: the audit trail from the command line, against the MongoDB trail (MONGODB_URL) or
// the durable embedded one in VOID_DATA_DIR. While a server owns the data directory, the CLI reads a consistent
// read-only view of it (each tenant's log up to its last whole record): verify, export and report work, but their
// own `audit.*` records cannot be appended (said on stderr), and prune and GDPR erasure are refused. API tokens live
// in Redis, so `void audit token create` works in every deployment.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { AuditTrail } from '../../audit/trail.js';
import type { AuditStore } from '../../audit/types.js';
import { exportHead, exportLines } from '../../audit/export.js';
import { parseTime } from '../../audit/query.js';
import { collectEvidence, reportCsv, reportMarkdown } from '../../audit/report.js';
import { runRetention } from '../../audit/module.js';
import { AuditTokenStore } from '../../audit/tokens.js';
import { describeVerify, verifyChain } from '../../audit/verify.js';
import type { IdentityRef } from '../../audit/personal.js';
import { loadConfig, type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import { TenantRegistry } from '../core/registry.js';
import type { Member } from '../core/types.js';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { DataDirLockedError, readLock } from '../../audit/storage/datadir.js';
import type { AuditEventInput } from '../../audit/types.js';
import { createLogger } from '../logger.js';
import { createRedis, DEFAULT_REDIS_URL } from '../redis.js';

export const AUDIT_USAGE = `Audit trail and GDPR (against MONGODB_URL, else the data directory VOID_DATA_DIR; API tokens against REDIS_URL):
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

type Values = Record<string, string | boolean | undefined>;

const EMBEDDED_ONLY =
  'VOID_EMBEDDED_STORE=memory: the audit trail lives inside the running Void process, and the CLI cannot reach ' +
  'it. Use the running server instead: the HTTP API (GET /api/tenants/<id>/audit, /audit/verify, ' +
  '/audit/export with a token from "void audit token create") or the chat command "audit verify" / "audit ' +
  'export". Unset VOID_EMBEDDED_STORE (files) or set MONGODB_URL to use these commands.';

/** MongoDB, or the data directory: as its owner when no server runs, else a read-only view of it. */
async function openStore(config: Config): Promise<AuditStore> {
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
function readOnlyNote(store: AuditStore): string | undefined {
  if (!(store instanceof DurableAuditStore) || !store.dir.readOnly) return undefined;
  const holder = readLock(store.dir.path);
  return (
    `the data directory ${store.dir.path} is owned ` +
    `by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'}`
  );
}

function need(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value)
    throw new VoidError('cli.missing_option', `--${name} is required.\n${AUDIT_USAGE}`);
  return value;
}

function time(values: Values, name: string): string | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const parsed = parseTime(raw);
  if (!parsed)
    throw new VoidError('cli.bad_date', `--${name} must be a date (YYYY-MM-DD) or an ISO-8601 time (got "${raw}").`);
  return parsed;
}

function identitiesOf(member: Member): IdentityRef[] {
  return Object.entries(member.identities).flatMap(([platform, ids]) =>
    ((ids ?? []) as readonly string[]).map((platformUserId) => ({ platform, platformUserId })),
  );
}

class AuditCli {
  readonly registry: TenantRegistry;
  constructor(
    readonly config: Config,
    readonly out: Writable,
    readonly err: Writable,
    readonly trail: AuditTrail,
  ) {
    this.registry = new TenantRegistry(config.tenants);
  }

  /** Appends the CLI's own record of what it did; on a read-only view says on stderr why it could not. */
  async record(input: AuditEventInput): Promise<void> {
    const readOnly = readOnlyNote(this.trail.store);
    if (readOnly) {
      this.err.write(`(${input.action} not recorded in the trail: ${readOnly}; this command only read it)\n`);
      return;
    }
    await this.trail.append(input);
  }

  /** Commands that change the trail need to own the data directory. */
  writable(what: string): void {
    const readOnly = readOnlyNote(this.trail.store);
    if (readOnly)
      throw new VoidError(
        'cli.store_busy',
        `${what} changes the trail, and ${readOnly}: stop that process first, or use the chat command.`,
      );
  }

  tenant(values: Values): string {
    const id = need(values, 'tenant');
    if (!this.registry.get(id))
      throw new VoidError('cli.no_such_tenant', `There is no tenant "${id}" in ${this.config.tenantsFile.path}.`);
    return id;
  }

  member(values: Values, tenantId: string): Member {
    const id = need(values, 'member');
    const member = this.registry.memberById(tenantId, id);
    if (!member) throw new VoidError('cli.no_such_member', `There is no member "${id}" in tenant "${tenantId}".`);
    return member;
  }

  async verify(values: Values): Promise<number> {
    const tenantId = this.tenant(values);
    const seq = values['head-seq'];
    const hash = values['head-hash'];
    if ((typeof seq === 'string') !== (typeof hash === 'string') || (typeof seq === 'string' && !/^\d+$/.test(seq))) {
      throw new VoidError(
        'cli.bad_head',
        '--head-seq (a number) and --head-hash go together, as printed by "void audit export".',
      );
    }
    const expectedHead = typeof seq === 'string' && typeof hash === 'string' ? { seq: Number(seq), hash } : undefined;
    const result = await verifyChain(this.trail.store, tenantId, { expectedHead });
    await this.record({
      tenantId,
      action: 'audit.verified',
      actor: { platform: 'cli' },
      outcome: result.ok ? 'success' : 'failure',
      details: {
        checked: result.checked,
        headSeq: result.head?.seq,
        breakSeq: result.firstBreak?.seq,
        breakReason: result.firstBreak?.reason,
      },
      correlationId: `cli-${Date.now()}`,
    });
    this.out.write(`${describeVerify(result)}\n`);
    return result.ok ? 0 : 1;
  }

  async export(values: Values): Promise<number> {
    const tenantId = this.tenant(values);
    const format = (values.format ?? 'jsonl') as string;
    if (format !== 'jsonl' && format !== 'csv')
      throw new VoidError('cli.bad_format', `--format must be jsonl or csv (got "${format}").`);
    const filter = { from: time(values, 'since'), until: time(values, 'until') };
    const head = await exportHead(this.trail.store, tenantId, filter);
    await this.record({
      tenantId,
      action: 'audit.exported',
      actor: { platform: 'cli' },
      outcome: 'success',
      details: { format, headSeq: head.headSeq, from: filter.from, until: filter.until },
      correlationId: `cli-${Date.now()}`,
    });
    const sink: Writable = typeof values.out === 'string' ? createWriteStream(values.out) : this.out;
    for await (const chunk of exportLines(this.trail.store, head, format, filter)) {
      if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
    }
    if (sink !== this.out) {
      await new Promise<void>((resolve, reject) => {
        sink.once('error', reject);
        sink.end(() => resolve());
      });
    }
    this.err.write(
      `Exported ${tenantId} up to record ${head.headSeq}, head hash ${head.headHash}. Prove it complete later ` +
        `with: void audit verify --tenant ${tenantId} --head-seq ${head.headSeq} --head-hash ${head.headHash}\n`,
    );
    return 0;
  }

  async report(values: Values): Promise<number> {
    const tenantId = this.tenant(values);
    const tenant = this.registry.get(tenantId) as NonNullable<ReturnType<TenantRegistry['get']>>;
    const filter = { from: time(values, 'since'), until: time(values, 'until') };
    const verify = await verifyChain(this.trail.store, tenantId);
    const evidence = await collectEvidence(this.trail.store, tenantId, filter);
    const input = {
      tenantId,
      tenantName: tenant.name,
      ...filter,
      generatedAt: new Date().toISOString(),
      verify,
      evidence,
      names: new Map(tenant.members.map((m) => [m.id, m.name])),
    };
    const text = values.format === 'csv' ? reportCsv(input) : reportMarkdown(input);
    await this.record({
      tenantId,
      action: 'audit.reported',
      actor: { platform: 'cli' },
      outcome: 'success',
      details: { approvals: evidence.length, from: filter.from, until: filter.until },
      correlationId: `cli-${Date.now()}`,
    });
    if (typeof values.out === 'string') {
      const file = createWriteStream(values.out);
      await new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.end(text, () => resolve());
      });
    } else this.out.write(text);
    return 0;
  }

  async prune(values: Values): Promise<number> {
    this.writable('void audit prune');
    const tenants = values.tenant
      ? [this.registry.get(this.tenant(values))].filter((t) => t !== undefined)
      : this.registry.list();
    await runRetention(this.trail, tenants, createLogger({ level: 'info', destination: this.err as never }));
    return 0;
  }

  async gdpr(sub: string, values: Values): Promise<number> {
    const tenantId = this.tenant(values);
    const member = this.member(values, tenantId);
    const identities = identitiesOf(member);
    const correlationId = `cli-${Date.now()}`;
    if (sub === 'export') {
      const data = await this.trail.store.personal.forSubject(tenantId, member.id, identities);
      await this.record({
        tenantId,
        action: 'gdpr.exported',
        actor: { platform: 'cli' },
        target: member.id,
        outcome: 'success',
        details: { items: data.length },
        correlationId,
      });
      this.out.write(
        `${JSON.stringify({ tenantId, member: { id: member.id, name: member.name, roles: member.roles, identities: member.identities }, personalData: data }, null, 2)}\n`,
      );
      return 0;
    }
    this.writable('void gdpr erase');
    if (values.yes !== true)
      throw new VoidError(
        'cli.confirm',
        `This deletes the personal data of ${member.id} in ${tenantId} for good. Add --yes to confirm.`,
      );
    const erased = await this.trail.erasePersonal(tenantId, member.id, identities);
    await this.record({
      tenantId,
      action: 'gdpr.erased',
      actor: { platform: 'cli' },
      target: member.id,
      outcome: 'success',
      details: { items: erased },
      correlationId,
    });
    this.out.write(
      `Erased ${erased} personal data item(s) of member "${member.id}" in ${tenantId}. The audit records keep ` +
        `only pseudonymous references; the chain still verifies. Remove the member from the tenants file too.\n`,
    );
    return 0;
  }
}

/** Records the token's creation where the CLI can write the trail (MongoDB, or a data directory no server owns). */
async function recordTokenCreated(
  config: Config,
  deps: AuditCliDeps,
  info: { id: string; tenantId: string; memberId: string },
): Promise<string> {
  if (!deps.openStore && !config.env.MONGODB_URL && config.env.VOID_EMBEDDED_STORE === 'memory')
    return ' (not recorded in the audit trail: it is embedded in the running server)';
  const store = await (deps.openStore ?? openStore)(config);
  try {
    const readOnly = readOnlyNote(store);
    if (readOnly) return ` (not recorded in the audit trail: ${readOnly})`;
    await new AuditTrail(store).append({
      tenantId: info.tenantId,
      action: 'audit.token_created',
      actor: { platform: 'cli' },
      target: info.memberId,
      outcome: 'success',
      details: { tokenId: info.id },
      correlationId: `cli-${Date.now()}`,
    });
    return '';
  } finally {
    if (!deps.openStore) await store.close();
  }
}

async function createToken(config: Config, values: Values, out: Writable, deps: AuditCliDeps): Promise<number> {
  const tenantId = need(values, 'tenant');
  const memberId = need(values, 'member');
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const store = new AuditTokenStore(redis, config.env.VOID_KEY_PREFIX, config.env.VOID_API_TOKEN_PEPPER);
    const created = await store.create(
      new TenantRegistry(config.tenants),
      tenantId,
      memberId,
      typeof values.label === 'string' ? values.label : undefined,
    );
    if (!created.ok) throw new VoidError(created.refusal.code, created.refusal.message);
    const recorded = await recordTokenCreated(config, deps, created.value.info);
    out.write(
      `Audit API token ${created.value.info.id} for ${memberId} in ${tenantId}${recorded} (shown once; ` +
        `only its digest is stored):\n${created.value.token}\nUse it as: Authorization: Bearer <token> on GET ` +
        `/api/tenants/${tenantId}/audit\n`,
    );
    return 0;
  } finally {
    redis.disconnect();
  }
}

async function revokeToken(config: Config, values: Values, out: Writable): Promise<number> {
  const id = need(values, 'id');
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const revoked = await new AuditTokenStore(
      redis,
      config.env.VOID_KEY_PREFIX,
      config.env.VOID_API_TOKEN_PEPPER,
    ).revoke(id);
    if (!revoked) throw new VoidError('cli.no_such_token', `There is no audit API token "${id}".`);
    out.write(`Audit API token ${id} revoked.\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** Entry point for `void audit …` and `void gdpr …`; resolves the process exit code. */
export async function runAuditCli(argv: readonly string[], deps: AuditCliDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      member: { type: 'string' },
      format: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
      label: { type: 'string' },
      'head-seq': { type: 'string' },
      'head-hash': { type: 'string' },
      id: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, sub, third] = positionals;
  const config = deps.config ?? loadConfig();
  const out = deps.stdout ?? process.stdout;
  if (!sub || sub === 'help' || values.help === true) {
    out.write(`${AUDIT_USAGE}\n`);
    return 0;
  }
  const known = group === 'audit' ? ['verify', 'export', 'report', 'prune', 'token'] : ['export', 'erase'];
  if (!known.includes(sub) || (sub === 'token' && third !== 'create' && third !== 'revoke'))
    throw new VoidError('cli.unknown_command', `Unknown command "void ${positionals.join(' ')}".\n${AUDIT_USAGE}`);
  if (sub === 'token')
    return third === 'revoke' ? revokeToken(config, values, out) : createToken(config, values, out, deps);
  const store = await (deps.openStore ?? openStore)(config);
  const cli = new AuditCli(config, out, deps.stderr ?? process.stderr, new AuditTrail(store));
  try {
    if (group === 'gdpr') return await cli.gdpr(sub, values);
    return await (sub === 'verify'
      ? cli.verify(values)
      : sub === 'export'
        ? cli.export(values)
        : sub === 'report'
          ? cli.report(values)
          : cli.prune(values));
  } finally {
    if (!deps.openStore) await store.close();
  }
}
