// The approvals module: policies, approval requests and their store, separation of duties at decision and at run
// time, expiry, break-glass. Provides the `approvals` port (the one decision service every surface uses); receives
// the VCS and tickets (set up first) to bind a request to what will run.
import type { VoidModule } from '../bot/core/module.js';
import type { JobSubmitter } from '../bot/core/jobs.js';
import type { AuditTrail } from '../audit/trail.js';
import { approvalCommands } from './commands.js';
import { DurableApprovalStore } from './durable.store.js';
import { EmbeddedApprovalStore } from './embedded.store.js';
import { ExpiryScheduler } from './expiry.js';
import { approvalGate, approvalRunGate } from './gate.js';
import type { ApprovalDeps } from './deps.js';
import { expire } from './lifecycle.js';
import { ApprovalService } from './service.js';
import type { ApprovalStore } from './store.js';

export interface ApprovalsModuleOptions {
  /** Shared store (tests give two processes one store, as production gives them one MongoDB). */
  readonly store?: ApprovalStore;
  readonly now?: () => Date;
}

/** The part of the environment the module reads: where its store is. */
export interface ApprovalsEnv {
  readonly MONGODB_URL?: string | undefined;
  readonly VOID_DATA_DIR: string;
  readonly VOID_EMBEDDED_STORE: 'files' | 'memory';
}

async function openStore(env: ApprovalsEnv): Promise<ApprovalStore> {
  if (!env.MONGODB_URL)
    return env.VOID_EMBEDDED_STORE === 'memory'
      ? new EmbeddedApprovalStore()
      : DurableApprovalStore.open(env.VOID_DATA_DIR);
  const { MongoApprovalStore } = await import('./mongo.store.js');
  return MongoApprovalStore.connect(env.MONGODB_URL);
}

const NEEDS = { vcs: 'optional', tickets: 'optional' } as const;

export function approvalsModule(
  options: ApprovalsModuleOptions = {},
): VoidModule<{ readonly env: ApprovalsEnv }, AuditTrail, JobSubmitter, typeof NEEDS> {
  return {
    name: 'approvals',
    needs: NEEDS,
    provides: ['approvals'],
    async setup(ctx, { vcs, tickets }) {
      const store = options.store ?? (await openStore(ctx.config.env));
      const expiry = new ExpiryScheduler(ctx.redis, { prefix: ctx.prefix, redisUrl: ctx.redisUrl, log: ctx.log });
      const deps: ApprovalDeps = {
        store,
        audit: ctx.audit,
        registry: ctx.registry,
        queue: ctx.queue,
        chat: ctx.chat,
        vcs: () => vcs,
        tickets: () => tickets,
        log: ctx.log.child({ module: 'approvals' }),
        now: options.now ?? (() => new Date()),
        scheduleExpiry: (tenantId, id, at) => expiry.schedule(tenantId, id, at),
      };
      const service = new ApprovalService(deps);
      return {
        provides: { approvals: service },
        gate: approvalGate(service, () => vcs?.local?.repo),
        runGate: approvalRunGate(deps),
        commands: approvalCommands(service),
        start: async () => {
          if (ctx.role === 'web') return;
          // The durable embedded store's process owns every request: it sets their expiry timers again, which a
          // Redis restored from nothing (or without persistence) has lost.
          if (store instanceof DurableApprovalStore) await expiry.scheduleAll(store.allPending());
          expiry.start((tenantId, id) => expire(deps, tenantId, id));
        },
        close: async () => {
          await expiry.close();
          if (!options.store) await store.close();
        },
      };
    },
  };
}

export const approvals = approvalsModule();
