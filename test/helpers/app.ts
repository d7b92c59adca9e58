// Test helpers: a real Void process (real Redis, real HTTP server on a random port) with a unique key prefix and
// queue name, so that tests never see each other's keys or jobs.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { VoidApp, type Role, type VoidAppOptions } from '../../bot/app.js';
import { EXAMPLE_TENANTS_FILE, loadEnv, parseTenantsYaml, type Config } from '../../bot/config/load.js';
import { createLogger, type Logger } from '../../bot/logger.js';
import { secretValues } from '../../bot/config/env.js';
import type { VoidModule } from '../../bot/modules.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueId(tag = 't'): string {
  return `${tag}-${randomUUID().slice(0, 8)}`;
}

export const EXAMPLE_YAML = readFileSync(EXAMPLE_TENANTS_FILE, 'utf8');

/** A configuration from a tenants YAML text (default: the shipped example) and environment overrides. */
export function testConfig(options: { yaml?: string; env?: Record<string, string> } = {}): Config {
  // In-process test apps keep the in-memory store unless a test asks for the durable one (VOID_EMBEDDED_STORE=files
  // and its own VOID_DATA_DIR): several apps in one test process would otherwise contend for one data directory.
  const env = loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    REDIS_URL,
    VOID_EMBEDDED_STORE: 'memory',
    ...options.env,
  });
  const tenants = parseTenantsYaml(options.yaml ?? EXAMPLE_YAML, 'test.yaml');
  return { env, tenants, tenantsFile: { path: 'test.yaml', source: 'file' }, notices: [] };
}

/** Captures every log line (as text) so tests can assert that no secret reaches the log. */
export function captureLogger(secrets: readonly string[] = [], level = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return {
    log: createLogger({ level, secrets, destination: destination as unknown as pino.DestinationStream }),
    lines,
  };
}

/** The log of a Void process with this configuration, scrubbed by value exactly as Void's own logger is
 *  (secretValues of its environment): a test that finds no secret in it proves Void's mechanism,
 *  not a list it chose. */
export function captureAppLogger(config: Config, level = 'debug'): { log: Logger; lines: string[] } {
  return captureLogger(secretValues(config.env), level);
}

export interface TestApp {
  readonly app: VoidApp;
  readonly url: string;
  readonly prefix: string;
  stop(): Promise<void>;
}

/** Starts a Void process for a test: returns its base URL; `stop()` closes it and its queue. */
export async function startTestApp(
  options: {
    config?: Config;
    role?: Role;
    modules?: readonly VoidModule[];
    log?: Logger;
    app?: Partial<VoidAppOptions>;
  } = {},
): Promise<TestApp> {
  const prefix = uniqueId('void-test');
  const config = options.config ?? testConfig();
  const app = await VoidApp.create(
    config,
    {
      role: options.role ?? 'all',
      redisUrl: REDIS_URL,
      prefix,
      queueName: uniqueId('q'),
      jobBackoffMs: 50,
      log: options.log ?? createLogger({ level: 'silent' }),
      ...options.app,
    },
    options.modules ?? [],
  );
  await app.start();
  return {
    app,
    prefix,
    url: `http://127.0.0.1:${app.port ?? 0}`,
    stop: async () => {
      await app.queue.queue.obliterate({ force: true }).catch(() => undefined);
      await app.intake.obliterate().catch(() => undefined);
      await app.stop(2_000);
    },
  };
}

/** Starts test apps and stops them all after each test: `const apps = trackApps(); … await apps.start(…)`. */
export function trackApps(afterEachHook: (fn: () => Promise<void>) => void): { start: typeof startTestApp } {
  let running: TestApp[] = [];
  afterEachHook(async () => {
    await Promise.all(running.map((t) => t.stop()));
    running = [];
  });
  return {
    start: async (options) => {
      const t = await startTestApp(options);
      running.push(t);
      return t;
    },
  };
}
