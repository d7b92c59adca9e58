// The module contract as the application runs it: the kernel's (bot/core/module.ts) with this process's
// configuration, trail, job queue, dispatcher and HTTP server. The application's own modules (chat adapters, the
// dashboard, observability) use these; integrations, agents, approvals and audit use the kernel's. The list of
// modules is the composition root, bot/composition.ts.
import type { AuditTrail } from '../audit/trail.js';
import type { JobQueue } from '../agents/queue.js';
import type { Config } from './config/load.js';
import type * as Core from './core/module.js';
import type { Dispatcher } from './dispatcher.js';
import type { HttpServer } from './http/server.js';

export type { Deferred, NeededPorts, PlatformHealth, PortName, PortNeeds, Ports } from './core/module.js';

export interface ModuleContext extends Core.ModuleContext<Config, AuditTrail, JobQueue> {
  dispatcher(): Dispatcher;
}

export interface ModuleContribution extends Omit<Core.ModuleContribution, 'routes'> {
  /** Web role: routes on Void's HTTP server. */
  readonly routes?: (http: HttpServer) => void;
}

export interface VoidModule<N extends Core.PortNeeds = Core.PortNeeds> {
  readonly name: string;
  /** The ports the module's set-up receives, and how (bot/core/needs.ts). */
  readonly needs?: N;
  /** The ports the module may provide (its set-up returns them); consumers are set up after their providers. */
  readonly provides?: readonly Core.PortName[];
  setup(ctx: ModuleContext, ports: Core.NeededPorts<N>): Promise<ModuleContribution>;
}
