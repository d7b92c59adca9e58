// Assembles one Void process from its configuration: Redis connections, stores, the dispatcher, the HTTP server
// (web role) and the job worker (worker role). Adapters and modules register themselves here.
import type { Redis } from 'ioredis';
import { AuditTrail } from '../audit/trail.js';
import { recordAuditAppend } from './metrics.js';
import type { AuditStore } from '../audit/types.js';
import { createAuditStore } from '../audit/index.js';
import { scrubbingRedactor } from '../audit/prepared.js';
import { DurableAuditStore } from '../audit/durable.store.js';
import { reportDataDir } from '../audit/durable.report.js';
import { JobQueue } from '../agents/queue.js';
import { Intake } from './intake.js';
import { JobWorker } from '../agents/worker.js';
import { AVAILABLE_KINDS, createProcessors } from '../agents/processors/index.js';
import type { Config } from './config/load.js';
import type { Platform } from './core/types.js';
import type { CommandOverrides } from './core/commands.js';
import { secretValues } from './config/env.js';
import { ReplyRouter } from './core/ports.js';
import { TenantRegistry } from './core/registry.js';
import { ConsoleChatPort } from './console/client.js';
import { Dispatcher } from './dispatcher.js';
import { HttpServer, json } from './http/server.js';
import { DeliveryLedger } from './idempotency.js';
import { CommandRateLimiter } from './limits.js';
import { JobSlots } from '../agents/slots.js';
import { createLogger, scrubber, type Logger } from './logger.js';
import { checkEvictionPolicy, createRedis, persistenceWarning } from './redis.js';
import type { ModuleContext, ModuleContribution, PlatformHealth, PortName, Ports, VoidModule } from './modules.js';
import { readinessHandler } from './readiness.js';
import { closeModules, firstRefusal, setupOrder, wireModules } from './wiring.js';
import type { JobKind } from './core/jobs.js';
import type { Processor } from '../agents/worker.js';

export type Role = 'web' | 'worker' | 'all';

/** Twice Slack's 5-minute signature window: a replay later than that fails the signature check anyway. */
const INTAKE_REPLAY_TTL_MS = 11 * 60 * 1000;
/** Queued requests run concurrently per worker process (each is short: resolve, record, queue or answer). */
const INTAKE_CONCURRENCY = 32;

export interface VoidAppOptions {
  readonly role: Role;
  /** The Redis to use (already ensured to answer). */
  readonly redisUrl: string;
  readonly log?: Logger;
  /** Overrides for tests: a unique key prefix and queue name keep parallel tests apart. */
  readonly prefix?: string;
  readonly queueName?: string;
  readonly auditStore?: AuditStore;
  readonly workerConcurrency?: number;
  readonly jobBackoffMs?: number;
  /** BullMQ lock and stalled-job check (defaults 30 s each); fault tests shorten them. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** Run queued requests (the work after each ack) in a web-only process too (default: worker roles only). */
  readonly intakeWorker?: boolean;
}

export class VoidApp {
  readonly registry: TenantRegistry;
  readonly chat = new ReplyRouter();
  http: HttpServer | undefined;
  worker: JobWorker | undefined;
  port: number | undefined;
  dispatcher!: Dispatcher;
  private contributions: readonly ModuleContribution[] = [];
  private portOf: <K extends PortName>(name: K) => Ports[K] | undefined = () => undefined;
  /** Set first on shutdown: /readyz answers 503 so that load balancers stop sending requests. */
  private draining = false;
  private readonly closers: Array<() => Promise<void>> = [];

  private constructor(
    readonly config: Config,
    readonly options: VoidAppOptions,
    readonly redis: Redis,
    readonly audit: AuditTrail,
    readonly queue: JobQueue,
    readonly intake: Intake,
    readonly log: Logger,
    readonly prefix: string,
    readonly scrub: (text: string) => string,
  ) {
    this.registry = new TenantRegistry(config.tenants);
  }

  static async create(config: Config, options: VoidAppOptions, modules: readonly VoidModule[]): Promise<VoidApp> {
    setupOrder(modules); // a build that cannot be wired is refused before any connection is made
    const env = config.env;
    const log = options.log ?? createLogger({ level: env.LOG_LEVEL ?? 'info', secrets: secretValues(env) });
    const prefix = options.prefix ?? env.VOID_KEY_PREFIX;
    const redis = createRedis(options.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    redis.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection error'));
    await redis.connect();
    await checkEvictionPolicy(redis);
    const volatile = await persistenceWarning(redis).catch(() => undefined);
    if (volatile) log.warn(volatile);
    const store = options.auditStore ?? (await createAuditStore(env));
    if (store instanceof DurableAuditStore) await reportDataDir(store, log);
    const scrub = scrubber(secretValues(env));
    const audit = new AuditTrail(store, {
      observe: recordAuditAppend,
      pseudonymiseIdentities: env.VOID_AUDIT_PSEUDONYMISE_IDENTITIES,
      redact: scrubbingRedactor(scrub),
    });
    const queue = new JobQueue({
      connection: redis,
      prefix,
      name: options.queueName,
      attempts: env.VOID_JOB_ATTEMPTS,
      backoffMs: options.jobBackoffMs,
    });
    const intake = new Intake({
      connection: redis,
      prefix,
      queueName: queue.name,
      log,
      replayTtlMs: INTAKE_REPLAY_TTL_MS,
    });
    const app = new VoidApp(config, options, redis, audit, queue, intake, log, prefix, scrub);
    app.closers.push(() => store.close());
    app.chat.register('console', new ConsoleChatPort(redis, prefix));
    await app.setupModules(modules).catch(async (error: unknown) => {
      await store.close().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      throw error;
    });
    return app;
  }

  private async setupModules(modules: readonly VoidModule[]): Promise<void> {
    const ctx: ModuleContext = {
      config: this.config,
      role: this.options.role,
      registry: this.registry,
      audit: this.audit,
      queue: this.queue,
      redis: this.redis,
      redisUrl: this.options.redisUrl,
      prefix: this.prefix,
      log: this.log,
      chat: this.chat,
      scrub: this.scrub,
      intake: this.intake,
      ledger: (ttl, claimTtl) => new DeliveryLedger(this.redis, this.prefix, ttl, claimTtl),
      dispatcher: () => this.dispatcher,
      platformHealth: () => this.platformHealth(),
    };
    const wired = await wireModules(modules, async (module, ports) => {
      const contribution = await module.setup(ctx, ports);
      for (const [platform, port] of Object.entries(contribution.chatPorts ?? {}))
        this.chat.register(platform as Platform, port);
      return contribution;
    });
    this.contributions = wired.contributions;
    this.portOf = wired.port;
    const gate = this.contributions.find((c) => c.gate)?.gate;
    const commands = Object.assign({}, ...this.contributions.map((c) => c.commands ?? {})) as Partial<CommandOverrides>;
    const kinds = new Set<JobKind>([...AVAILABLE_KINDS, ...this.contributions.flatMap((c) => c.kinds ?? [])]);
    this.dispatcher = new Dispatcher({
      services: {
        registry: this.registry,
        audit: this.audit,
        queue: this.queue,
        availableKinds: kinds,
        gate,
        approvals: this.provided('approvals'),
        extraCommands: commands,
      },
      ledger: new DeliveryLedger(this.redis, this.prefix, this.config.env.VOID_DEDUPE_TTL_SECONDS),
      rate: new CommandRateLimiter(this.redis, this.prefix),
      log: this.log,
      localRevisions: () => Boolean(this.provided('vcs')?.local),
    });
  }

  /** The port a module of this build provided (bot/core/needs.ts), for the entry point and tests. */
  provided<K extends PortName>(name: K): Ports[K] | undefined {
    return this.portOf(name);
  }

  /** Every module's platform credential checks, by platform (a check that throws counts as no answer). */
  private async platformHealth(): Promise<Record<string, PlatformHealth>> {
    const health = await Promise.all(this.contributions.map((c) => c.platformHealth?.().catch(() => ({})) ?? {}));
    return Object.assign({}, ...health) as Record<string, PlatformHealth>;
  }

  /** Routes every adapter and module adds to the web role. */
  private buildHttp(): HttpServer {
    const http = new HttpServer({
      log: this.log,
      maxBodyBytes: this.config.env.VOID_MAX_BODY_BYTES,
      requestTimeoutMs: this.config.env.VOID_REQUEST_TIMEOUT_MS,
    });
    http.route('GET', '/healthz', () => json(200, { status: 'ok' }));
    http.route(
      'GET',
      '/readyz',
      readinessHandler({
        draining: () => this.draining,
        redis: () => this.redis.ping(),
        store: () => this.audit.store.ping(),
        platforms: () => this.platformHealth(),
      }),
    );
    for (const c of this.contributions) c.routes?.(http);
    return http;
  }

  private processors(): Map<JobKind, Processor> {
    const processors = createProcessors({ queue: this.queue });
    for (const c of this.contributions) for (const [kind, p] of c.processors?.() ?? []) processors.set(kind, p);
    return processors;
  }

  async start(): Promise<void> {
    const { role } = this.options;
    if (role === 'worker' || role === 'all') {
      const connection = createRedis(this.options.redisUrl, { maxRetriesPerRequest: null });
      connection.on('error', () => undefined);
      this.worker = new JobWorker({
        connection,
        prefix: this.prefix,
        name: this.options.queueName,
        concurrency: this.options.workerConcurrency ?? this.config.env.VOID_WORKER_CONCURRENCY,
        progressIntervalMs: this.config.env.VOID_PROGRESS_INTERVAL_MS,
        processors: this.processors(),
        chat: this.chat,
        audit: this.audit,
        registry: this.registry,
        // A finished job's slot is free once its BullMQ lock is gone: one round trip per job for its slot, not two.
        slots: new JobSlots(connection, this.prefix, this.queue.queue.toKey('')),
        log: this.log.child({ role: 'worker' }),
        gate: firstRefusal(this.contributions.map((c) => c.runGate)),
        scrub: this.scrub,
        lockDurationMs: this.options.lockDurationMs ?? this.config.env.VOID_JOB_LOCK_MS,
        stalledIntervalMs: this.options.stalledIntervalMs ?? this.config.env.VOID_STALLED_INTERVAL_MS,
      });
      this.worker.start();
      this.closers.unshift(quitter(connection));
    }
    if (role !== 'web' || this.options.intakeWorker) this.startIntake();
    if (role === 'web' || role === 'all') {
      await this.intake.ready();
      this.http = this.buildHttp();
      this.port = await this.http.listen(this.config.env.PORT, this.config.env.HOST);
      this.log.info({ port: this.port }, 'Void web role listening');
    }
    for (const c of this.contributions) await c.start?.();
  }

  /** Runs queued requests (what follows each ack) in this process, on its own blocking connection. */
  private startIntake(): void {
    const connection = createRedis(this.options.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    this.intake.start(connection, INTAKE_CONCURRENCY, {
      lockDuration: this.options.lockDurationMs ?? this.config.env.VOID_JOB_LOCK_MS,
      stalledInterval: this.options.stalledIntervalMs ?? this.config.env.VOID_STALLED_INTERVAL_MS,
    });
    this.closers.unshift(quitter(connection));
  }

  /** Graceful shutdown: stop taking requests, finish or return in-flight jobs, close connections. */
  async stop(graceMs = this.config.env.VOID_SHUTDOWN_GRACE_MS): Promise<void> {
    this.draining = true;
    const drainMs = this.config.env.VOID_READINESS_DRAIN_MS;
    if (this.http && drainMs > 0) {
      this.log.info({ drainMs }, 'readiness is false; still serving while the load balancer drains this replica');
      await new Promise((resolve) => setTimeout(resolve, drainMs));
    }
    await this.http?.close();
    const deadline = Date.now() + graceMs;
    // Queued requests first (they may queue jobs), then the jobs.
    await this.intake.close(graceMs);
    await this.worker?.close(graceMs);
    await closeModules(this.contributions, deadline, this.log);
    await this.queue.close().catch(() => undefined);
    await this.audit.security.flush();
    for (const close of this.closers) await close().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
  }
}

/** Closes a connection of the worker role, whether or not it is still open. */
function quitter(connection: Redis): () => Promise<void> {
  return async () => void (await connection.quit().catch(() => undefined));
}
