// The audit module: the `audit verify` / `audit export [since]` chat command (compliance officers and admins only),
// the audit HTTP API, and the retention scheduler that prunes each tenant's trail to its `audit.retentionDays`.
import { answer, refusal, type CommandContext, type CommandRunner } from '../bot/core/commands.js';
import type { Command } from '../bot/core/grammar.js';
import type { Reply, Tenant } from '../bot/core/types.js';
import { auditActorOf, SYSTEM_TENANT } from './types.js';
import type { Logger } from '../bot/core/logger.js';
import type { ModuleContext, VoidModule } from '../bot/core/module.js';
import { exportHead, recordsUpTo } from './export.js';
import { registerAuditRoutes } from './http.js';
import { parseTime } from './query.js';
import { pruneTenant, retentionCutoff } from './retention.js';
import { auditSettingsOf } from './settings.schema.js';
import { AUDIT_READER_ROLES, AuditTokenStore } from './tokens.js';
import type { AuditTrail } from './trail.js';
import { describeVerify, verifyChain } from './verify.js';

type AuditCommand = Extract<Command, { name: 'audit' }>;

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

async function chatVerify(trail: AuditTrail, ctx: CommandContext): Promise<Reply[]> {
  const result = await verifyChain(trail.store, ctx.tenant.id);
  await trail.append({
    tenantId: ctx.tenant.id,
    action: 'audit.verified',
    actor: auditActorOf(ctx.actor),
    outcome: result.ok ? 'success' : 'failure',
    details: {
      checked: result.checked,
      headSeq: result.head?.seq,
      breakSeq: result.firstBreak?.seq,
      breakReason: result.firstBreak?.reason,
    },
    correlationId: ctx.correlationId,
  });
  return [answer(describeVerify(result))];
}

async function chatExport(trail: AuditTrail, ctx: CommandContext, since: string | undefined): Promise<Reply[]> {
  const from = since === undefined ? undefined : parseTime(since);
  if (since !== undefined && !from) return [refusal(`"${since}" is not a date: say "audit export since 2026-11-01".`)];
  const store = trail.store;
  const head = await exportHead(store, ctx.tenant.id, { from });
  let count = 0;
  for await (const _record of recordsUpTo(store, ctx.tenant.id, { from }, head.headSeq)) count++;
  await trail.append({
    tenantId: ctx.tenant.id,
    action: 'audit.exported',
    actor: auditActorOf(ctx.actor),
    outcome: 'info',
    details: { channel: 'chat', count, headSeq: head.headSeq, from },
    correlationId: ctx.correlationId,
  });
  const query = `format=csv${from ? `&since=${from.slice(0, 10)}` : ''}`;
  return [
    answer(
      [
        `Audit export of ${ctx.tenant.name}: ${count} record(s)${from ? ` since ${from.slice(0, 10)}` : ''}, ` +
          `up to record ${head.headSeq} (head hash ${head.headHash}).`,
        `Download it (JSON Lines or CSV, streamed) with an audit API token: GET ` +
          `/api/tenants/${ctx.tenant.id}/audit/export?${query}`,
        `Get a token with: void audit token create --tenant ${ctx.tenant.id} --member ${ctx.actor.memberId}. ` +
          `Check the export later with GET /api/tenants/${ctx.tenant.id}/audit/verify?headSeq=${head.headSeq}&` +
          `headHash=${head.headHash}`,
      ].join('\n'),
    ),
  ];
}

/** `audit verify|export`, on the module's own trail (the one every runner appends to). */
export const auditCommand =
  (trail: AuditTrail): CommandRunner<AuditCommand> =>
  async (ctx, command) => {
    if (!ctx.actor.roles.some((r) => AUDIT_READER_ROLES.includes(r))) {
      await trail.append({
        tenantId: ctx.tenant.id,
        action: 'audit.access_denied',
        actor: auditActorOf(ctx.actor),
        target: `audit ${command.sub}`,
        outcome: 'denied',
        details: { code: 'audit.forbidden' },
        correlationId: ctx.correlationId,
      });
      return [
        refusal(
          `Only compliance officers and admins can use the audit tools in ${ctx.tenant.name}; ` +
            `your roles are ${ctx.actor.roles.join(', ')}.`,
        ),
      ];
    }
    return command.sub === 'verify' ? chatVerify(trail, ctx) : chatExport(trail, ctx, command.since);
  };

/** Prunes every tenant that has a retention period, and the `_system` trail (security events, unknown workspaces) to
 *  `systemDays` (VOID_SYSTEM_AUDIT_RETENTION_DAYS); a broken chain is never pruned (it is logged instead). */
export async function runRetention(
  trail: AuditTrail,
  tenants: readonly Tenant[],
  log: Logger,
  now = new Date(),
  systemDays?: number,
): Promise<void> {
  const trails = tenants.map((t) => [t.id, auditSettingsOf(t).retentionDays] as const);
  for (const [tenantId, days] of [...trails, [SYSTEM_TENANT, systemDays] as const]) {
    if (!days) continue;
    const result = await pruneTenant(trail, tenantId, retentionCutoff(now, days));
    if (!result.ok) log.error({ tenant: tenantId, code: result.refusal.code }, result.refusal.message);
    else if (result.value.pruned)
      log.info(
        { tenant: tenantId, pruned: result.value.pruned, checkpoint: result.value.checkpoint?.seq },
        'audit retention pruned old records',
      );
  }
}

/** The part of the environment the module reads. */
export interface AuditEnv {
  readonly VOID_API_TOKEN_PEPPER?: string | undefined;
  readonly VOID_SYSTEM_AUDIT_RETENTION_DAYS: number;
}

type AuditModuleContext = ModuleContext<{ readonly env: AuditEnv }, AuditTrail>;

function setupAudit(ctx: AuditModuleContext) {
  const tokens = new AuditTokenStore(ctx.redis, ctx.prefix, ctx.config.env.VOID_API_TOKEN_PEPPER);
  let timer: NodeJS.Timeout | undefined;
  const systemDays = ctx.config.env.VOID_SYSTEM_AUDIT_RETENTION_DAYS;
  const retention = () =>
    runRetention(ctx.audit, ctx.registry.list(), ctx.log, new Date(), systemDays).catch((err: unknown) =>
      ctx.log.error({ err }, 'audit retention run failed'),
    );
  return {
    commands: { audit: auditCommand(ctx.audit) },
    routes: (http: Parameters<typeof registerAuditRoutes>[0]) =>
      registerAuditRoutes(http, { trail: ctx.audit, tokens, registry: ctx.registry }),
    start: async () => {
      if (!systemDays && !ctx.registry.list().some((t) => auditSettingsOf(t).retentionDays)) return;
      void retention();
      timer = setInterval(() => void retention(), RETENTION_INTERVAL_MS);
      timer.unref();
    },
    close: async () => {
      if (timer) clearInterval(timer);
    },
  };
}

export const auditModule: VoidModule<{ readonly env: AuditEnv }, AuditTrail> = {
  name: 'audit',
  setup: async (ctx) => setupAudit(ctx),
};
