// `void audit …` and `void gdpr …`: the audit trail from the command line, against the MongoDB trail (MONGODB_URL) or
// the durable embedded one in VOID_DATA_DIR. While a server owns the data directory, the CLI reads a consistent
// read-only view of it (each tenant's log up to its last whole record): verify, export and report work, but their
// own `audit.*` records cannot be appended (said on stderr), and prune and GDPR erasure are refused. API tokens live
// in Redis, so `void audit token create` works in every deployment.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { AuditTrail } from '../../audit/trail.js';
import { exportHead, exportLines } from '../../audit/export.js';
import { collectEvidence, reportCsv, reportMarkdown } from '../../audit/report.js';
import { runRetention } from '../../audit/module.js';
import { describeVerify, verifyChain } from '../../audit/verify.js';
import { loadConfig, type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import { TenantRegistry } from '../core/registry.js';
import type { Member } from '../core/types.js';
import type { AuditEventInput } from '../../audit/types.js';
import { createLogger } from '../logger.js';
import {
  AUDIT_USAGE,
  identitiesOf,
  need,
  openStore,
  readOnlyNote,
  time,
  type AuditCliDeps,
  type Values,
} from './audit-setup.js';
import { createToken, revokeToken } from './audit-token.cli.js';

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
      const who = { id: member.id, name: member.name, roles: member.roles, identities: member.identities };
      const exported = { tenantId, member: who, personalData: data };
      this.out.write(`${JSON.stringify(exported, null, 2)}\n`);
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
