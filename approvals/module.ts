// The approvals module: policies, approval requests and their store, separation of duties at decision and at run
// time, expiry, break-glass. Provides ctx.ports.approvals (the one decision service every surface uses).
import type { VoidModule } from '../bot/modules.js';
import { approvalCommands } from './commands.js';
import { EmbeddedApprovalStore } from './embedded.store.js';
import { ExpiryScheduler } from './expiry.js';
import { approvalGate, approvalRunGate } from './gate.js';
import type { ApprovalDeps } from './kernel.js';
import { expire } from './lifecycle.js';
import { ApprovalService } from './service.js';
import type { ApprovalStore } from './store.js';

export interface ApprovalsModuleOptions {
  /** Shared store (tests give two processes one store, as production gives them one MongoDB). */
  readonly store?: ApprovalStore;
  readonly now?: () => Date;
}

async function openStore(mongodbUrl: string | undefined): Promise<ApprovalStore> {
  if (!mongodbUrl) return new EmbeddedApprovalStore();
  const { MongoApprovalStore } = await import('./mongo.store.js');
  return MongoApprovalStore.connect(mongodbUrl);
}

export function approvalsModule(options: ApprovalsModuleOptions = {}): VoidModule {
  return {
    name: 'approvals',
    async setup(ctx) {
      const store = options.store ?? (await openStore(ctx.config.env.MONGODB_URL));
      const expiry = new ExpiryScheduler(ctx.redis, { prefix: ctx.prefix, redisUrl: ctx.redisUrl, log: ctx.log });
      const deps: ApprovalDeps = {
        store,
        audit: ctx.audit,
        registry: ctx.registry,
        queue: ctx.queue,
        chat: ctx.chat,
        vcs: () => ctx.ports.vcs,
        tickets: () => ctx.ports.tickets,
        log: ctx.log.child({ module: 'approvals' }),
        now: options.now ?? (() => new Date()),
        scheduleExpiry: (tenantId, id, at) => expiry.schedule(tenantId, id, at),
      };
      const service = new ApprovalService(deps);
      ctx.ports.approvals = service;
      return {
        gate: approvalGate(service),
        runGate: approvalRunGate(deps),
        commands: approvalCommands(service),
        start: async () => {
          if (ctx.role !== 'web') expiry.start((tenantId, id) => expire(deps, tenantId, id));
        },
        close: async () => {
          await expiry.close();
          if (!options.store) await store.close();
        },
      };
    },
  };
}

export const approvals: VoidModule = approvalsModule();
