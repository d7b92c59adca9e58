// The notifications module: listens to the audit trail (every stored record), turns records into events, and
// delivers them by mail (nodemailer) and signed webhooks (Standard Webhooks) from its own BullMQ queue in the
// worker role. Adds the `notify` command. docs/notifications.md tells operators and receivers how it works.
import type { Tenant } from '../../bot/core/types.js';
import { metrics } from '../../bot/core/metrics.js';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { AuditLog } from '../../bot/core/audit.js';
import type { JobSubmitter } from '../../bot/core/jobs.js';
import type { ModuleContext, VoidModule } from '../../bot/core/module.js';
import type { NotifyEnv } from './env.js';
import { NotifyEngine } from './engine.js';
import { attemptsFor, DEFAULT_RETRY, type RetryPolicy } from './jobs.js';
import { mayNotify } from './fanout.js';
import { Mailer } from './mail.js';
import { notifyCommand } from './notify.command.js';
import { AllowList, defaultResolver, type Resolver } from './outbound.js';
import { notificationsOf } from './settings.schema.js';
import { NotifyState, type BreakerSettings } from './state.js';

export interface NotifyModuleOptions {
  readonly retry?: RetryPolicy;
  readonly breaker?: BreakerSettings;
  /** DNS for webhook hosts (tests map a name to a private address to prove the refusal). */
  readonly resolve?: Resolver;
  readonly webhookTimeoutMs?: number;
  readonly queueName?: string;
  readonly now?: () => Date;
  /** Tests and the CLI get the engine (replay, digest now). */
  readonly onReady?: (engine: NotifyEngine, state: NotifyState) => void;
}

/** The SMTP URL a tenant's mail goes through: its own (notifications.smtpRef) or the deployment's. */
export function smtpUrlFor(env: NotifyEnv, tenant: Tenant): string | undefined {
  const ref = notificationsOf(tenant).smtpRef;
  return ref ? env.VOID_SMTP_URLS?.[ref] : env.VOID_SMTP_URL;
}

export function buildEngine(
  ctx: Pick<
    ModuleContext<{ readonly env: NotifyEnv }>,
    'config' | 'redis' | 'redisUrl' | 'prefix' | 'registry' | 'audit' | 'scrub' | 'log'
  >,
  approvals: ApprovalsPort | undefined,
  options: NotifyModuleOptions = {},
): { engine: NotifyEngine; state: NotifyState; mailer: Mailer } {
  const env = ctx.config.env;
  const state = new NotifyState(ctx.redis, ctx.prefix);
  const mailer = new Mailer(env.VOID_MAIL_FROM);
  const now = options.now ?? (() => new Date());
  const engine = new NotifyEngine({
    connection: ctx.redis,
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    queueName: options.queueName,
    registry: ctx.registry,
    audit: ctx.audit,
    state,
    mailer,
    webhook: {
      allow: new AllowList(env.VOID_OUTBOUND_ALLOW),
      resolve: options.resolve ?? defaultResolver,
      secrets: env.VOID_WEBHOOK_SECRETS ?? {},
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      maxResponseBytes: 64 * 1024,
      breaker: options.breaker ?? { threshold: 5, coolDownMs: 60_000 },
      now,
    },
    fanout: {
      state,
      approvals: () => approvals,
      smtpFor: (t) => smtpUrlFor(env, t),
      publicUrl: env.VOID_PUBLIC_URL ?? env.VOID_DASHBOARD_URL,
      now,
    },
    retry: options.retry ?? DEFAULT_RETRY,
    scrub: ctx.scrub,
    log: ctx.log.child({ module: 'notify' }),
  });
  return { engine, state, mailer };
}

const NEEDS = { approvals: 'optional' } as const;

export function notifyModule(
  options: NotifyModuleOptions = {},
): VoidModule<{ readonly env: NotifyEnv }, AuditLog, JobSubmitter, typeof NEEDS> {
  return {
    name: 'notify',
    needs: NEEDS,
    async setup(ctx, ports) {
      const { engine, state, mailer } = buildEngine(ctx, ports.approvals, options);
      options.onReady?.(engine, state);
      const env = ctx.config.env;
      const mailEnabled = () => Boolean(env.VOID_SMTP_URL || Object.keys(env.VOID_SMTP_URLS ?? {}).length);
      const log = ctx.log.child({ module: 'notify' });
      const stopListening = ctx.audit.onAppended((record) => {
        const tenant = ctx.registry.get(record.tenantId);
        if (!tenant || !mayNotify(record.action, tenant, Boolean(smtpUrlFor(env, tenant)))) return;
        engine
          .enqueueRecord(record)
          .catch((err: unknown) =>
            log.error(
              { err: { message: (err as Error).message }, tenant: record.tenantId, seq: record.seq },
              'could not queue the notifications of an audit record',
            ),
          );
      });
      const unwatch = metrics.watchQueue({
        name: 'notify',
        counts: () => engine.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
      });
      log.debug({ attempts: attemptsFor(options.retry ?? DEFAULT_RETRY) }, 'notification retries per delivery');
      return {
        commands: { notify: notifyCommand(state, mailEnabled) },
        start: async () => {
          if (ctx.role === 'web') return;
          engine.start();
          await engine.scheduleDigests();
        },
        close: async () => {
          stopListening();
          unwatch();
          await engine.close();
          mailer.close();
        },
      };
    },
  };
}

export const notifications = notifyModule();
