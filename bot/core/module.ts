// The module contract: approvals, audit tools, chat adapters, integrations and agents each add their commands,
// gates, routes, processors and chat ports through it. In the kernel, so that a module depends on the contract and
// never on the application that runs it (bot/app.ts) or the list of modules (the composition root, bot/composition.ts).
// A module types the configuration it reads itself (`C`), and the trail and queue it needs (`A`, `Q`: the kernel's
// ports unless the module is their owner's, as audit/ is the trail's); the application hands in the real ones.
import type { IntakePort } from './intake.js';
import type { Redis } from 'ioredis';
import type { AuditLog } from './audit.js';
import type { ApprovalGate, CommandOverrides } from './commands.js';
import type { CommandDispatcher } from './dispatch.js';
import type { PlatformHealth } from './health.js';
import type { RouteRegistrar } from './http.js';
import type { ClaimLedger, InboundEndpoint, InboundRequest } from './inbound.js';
import type { JobKind, JobSubmitter, Processor, RunGate } from './jobs.js';
import type { Logger } from './logger.js';
import type { NeededPorts, PortName, PortNeeds, ProvidedPorts } from './needs.js';
import type { ChatPort, ReplyRouter } from './ports.js';
import type { TenantRegistry } from './registry.js';
import type { Platform } from './types.js';

export type { PlatformHealth } from './health.js';
export type { Deferred, NeededPorts, PortName, PortNeeds, Ports } from './needs.js';

export interface ModuleContext<C = unknown, A extends AuditLog = AuditLog, Q extends JobSubmitter = JobSubmitter> {
  /** The process's configuration; each module declares the part it reads. */
  readonly config: C;
  readonly role: 'web' | 'worker' | 'all';
  readonly registry: TenantRegistry;
  readonly audit: A;
  readonly queue: Q;
  /** The shared command connection (not for blocking commands or subscriptions). */
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly log: Logger;
  readonly chat: ReplyRouter;
  readonly scrub: (text: string) => string;
  /** Where receivers queue authenticated requests (acked in one round trip) and register their worker handlers. */
  readonly intake: IntakePort;
  /** A durable ledger of claimed deliveries (bot/idempotency.ts): done marks kept `doneTtlSeconds`, an in-flight
   *  claim blocking a retry for `claimTtlSeconds` (default 60). */
  ledger(doneTtlSeconds: number, claimTtlSeconds?: number): ClaimLedger;
  /** Available once every module is set up (adapters call it at request time). */
  dispatcher(): CommandDispatcher;
  /** The platform credential checks of every module (as /readyz shows them under `platforms`), asked now. */
  platformHealth(): Promise<Record<string, PlatformHealth>>;
}

/** Where a module adds its routes: plain handlers, and platform receivers run through the one inbound pipeline. */
export interface ModuleRoutes extends RouteRegistrar {
  inbound<Cr, E>(
    pattern: string,
    endpoint: InboundEndpoint<Cr, E, InboundRequest>,
    options?: { maxBytes?: number; platform?: string },
  ): unknown;
}

export interface ModuleContribution {
  /** The ports this module provides to others (only those its `provides` names; bot/core/needs.ts). */
  readonly provides?: ProvidedPorts;
  readonly gate?: ApprovalGate;
  readonly runGate?: RunGate;
  readonly commands?: Partial<CommandOverrides>;
  /** Job kinds this module's processors run (known to every role, so the web role can refuse the others). */
  readonly kinds?: readonly JobKind[];
  /** Built in the worker role only. */
  readonly processors?: () => ReadonlyMap<JobKind, Processor>;
  /** Web role: routes on Void's HTTP server. */
  readonly routes?: (http: ModuleRoutes) => void;
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

export interface VoidModule<
  C = unknown,
  A extends AuditLog = AuditLog,
  Q extends JobSubmitter = JobSubmitter,
  N extends PortNeeds = PortNeeds,
> {
  readonly name: string;
  /** The ports the module's set-up receives, and how (bot/core/needs.ts). */
  readonly needs?: N;
  /** The ports the module may provide (its set-up returns them); consumers are set up after their providers. */
  readonly provides?: readonly PortName[];
  setup(ctx: ModuleContext<C, A, Q>, ports: NeededPorts<N>): Promise<ModuleContribution>;
}
