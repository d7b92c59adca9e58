// The module contract: approvals, audit tools, chat adapters, integrations and agents each add their commands,
// gates, routes, processors and chat ports through it. The list of modules is the composition root, bot/composition.ts.
import type { IntakePort } from './core/intake.js';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../audit/trail.js';
import type { JobQueue } from '../agents/queue.js';
import type { JobKind } from './core/jobs.js';
import type { Processor, RunGate } from '../agents/worker.js';
import type { Config } from './config/load.js';
import type { SharedPorts } from './core/module.js';
import type { ChatPort, ReplyRouter } from './core/ports.js';
import type { TenantRegistry } from './core/registry.js';
import type { Platform } from './core/types.js';
import type { Dispatcher } from './dispatcher.js';
import type { HttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import type { ApprovalGate, CommandRegistry } from './commands/types.js';
export type { SharedPorts } from './core/module.js';
import type { PlatformHealth } from './core/health.js';

export interface ModuleContext {
  readonly config: Config;
  readonly role: 'web' | 'worker' | 'all';
  readonly registry: TenantRegistry;
  readonly audit: AuditTrail;
  readonly queue: JobQueue;
  /** The shared command connection (not for blocking commands or subscriptions). */
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly log: Logger;
  readonly chat: ReplyRouter;
  readonly scrub: (text: string) => string;
  readonly ports: SharedPorts;
  /** Where receivers queue authenticated requests (acked in one round trip) and register their worker handlers. */
  readonly intake: IntakePort;
  /** Available once every module is set up (adapters call it at request time). */
  dispatcher(): Dispatcher;
  /** The platform credential checks of every module (as /readyz shows them under `platforms`), asked now. */
  platformHealth(): Promise<Record<string, PlatformHealth>>;
}

export interface ModuleContribution {
  readonly gate?: ApprovalGate;
  readonly runGate?: RunGate;
  readonly commands?: Partial<CommandRegistry>;
  /** Job kinds this module's processors run (known to every role, so the web role can refuse the others). */
  readonly kinds?: readonly JobKind[];
  /** Built in the worker role only. */
  readonly processors?: () => ReadonlyMap<JobKind, Processor>;
  /** Web role: routes on Void's HTTP server. */
  readonly routes?: (http: HttpServer) => void;
  readonly chatPorts?: Partial<Record<Platform, ChatPort>>;
  /** Started after the worker and HTTP server (e.g. schedulers); stopped before connections close. */
  readonly start?: () => Promise<void>;
  readonly close?: () => Promise<void>;
  /**
   * Web role: the health of the module's platform credentials, shown under `platforms` in /readyz. A failing
   * platform does not make the replica unready (every replica shares the credential; Redis and the store decide).
   */
  readonly platformHealth?: () => Promise<Record<string, PlatformHealth>>;
}

export type { PlatformHealth } from './core/health.js';

export interface VoidModule {
  readonly name: string;
  setup(ctx: ModuleContext): Promise<ModuleContribution>;
}
