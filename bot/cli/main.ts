// `void` — one binary for every role and tool.
//   void [--role web|worker|all]      serve (default all); with no chat platform configured: the console chat
//   void console [--as <member>]      the console chat (interactive on a terminal, line by line from stdin)
//   void check-config                 validate the environment and the tenants file, then exit
//   void doctor                       check configuration, Redis, the store and platform credentials; say how to fix
//   void backup <file> | restore <file>   the embedded store's backup and restore (bot/cli/backup.cli.ts)
// bin/void.mjs runs runVoid(); the tests' copy of the binary (test/helpers/void-test-bin.mjs) adds test-only modules.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/load.js';
import { configuredPlatforms, secretValues } from '../config/env.js';
import { VoidError } from '../core/errors.js';
import { createLogger, type Logger } from '../logger.js';
import { ensureRedis, type RedisHandle } from '../redis.js';
import { VoidApp, type Role } from '../app.js';
import { boundHeapGrowth, heapGrowthPercent } from '../heap.js';
import { loadModuleList } from '../composition.js';
import type { VoidModule } from '../modules.js';
import { ConsoleSession } from '../console/receiver.js';
import { localGitModule } from '../../integrations/local-git/module.js';
import { createRedis } from '../redis.js';
import { runDoctor } from '../doctor.js';

/** How this process runs: `compiled` (dist/ from `npm run build`, VOID_RUNTIME=compiled) or `tsx` (the sources). */
const RUNTIME = import.meta.url.includes('/dist/bot/') ? 'compiled' : 'tsx';

const USAGE = `Usage:
  void [--role web|worker|all]   run Void (default: all). With no chat platform configured, opens the console chat.
  void console [--as <member>]   console chat; "--as tenant/member" picks the speaker. Reads stdin if not a terminal.
  void check-config              validate the environment and the tenants file, then exit
  void doctor                    check configuration, Redis, the store and each platform's credentials; print fixes
  void doctor --resolve-github-ids   look up the numeric ids of GitHub identities given by login only; print the entries
  void audit verify|export|report|prune|token create, void gdpr export|erase   the audit trail ("void audit help")
  void webhooks list|replay|test outbound webhooks and notification dead letters ("void webhooks")
  void backup <file>             a checksummed snapshot of the embedded store (VOID_DATA_DIR), taken while Void runs
  void restore <file>            restore it into an empty VOID_DATA_DIR and verify every chain
  void help                      this text

Environment: see README "Configuration". The tenants file is VOID_TENANTS_FILE (default ./void.yaml).`;

/** Modules added after the built-in ones: only the tests' copy of the binary passes any. */
export type ExtraModules = () => Promise<VoidModule[]>;

async function main(argv: string[], extra: ExtraModules | undefined): Promise<number> {
  if (argv[0] === 'audit' || argv[0] === 'gdpr') return (await import('./audit.cli.js')).runAuditCli(argv);
  if (argv[0] === 'webhooks') return (await import('./webhooks.cli.js')).runWebhooksCli(argv);
  if (argv[0] === 'backup' || argv[0] === 'restore') return (await import('./backup.cli.js')).runBackupCli(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      as: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'resolve-github-ids': { type: 'boolean' },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const role = (values.role ?? 'all') as Role;
  if (!['web', 'worker', 'all'].includes(role))
    throw new VoidError('cli.bad_role', `--role must be web, worker or all (got "${values.role}")`);
  if (command === 'doctor')
    return runDoctor({ out: process.stdout, resolveGithubIds: values['resolve-github-ids'] === true });
  const config = loadConfig();
  if (command === 'check-config') {
    process.stdout.write(`Configuration OK: ${config.tenants.length} tenant(s) from ${config.tenantsFile.path}.\n`);
    for (const notice of config.notices) process.stdout.write(`! ${notice}\n`);
    return 0;
  }
  if (command === 'policy') {
    const { policyCli } = await import('../../approvals/cli.js');
    const result = policyCli(config, positionals.slice(1), values.as);
    (result.code === 0 ? process.stdout : process.stderr).write(`${result.text}\n`);
    return result.code;
  }
  const consoleMode =
    command === 'console' ||
    (command === 'serve' && values.role === undefined && configuredPlatforms(config.env).length === 0);
  const interactive = Boolean(process.stdin.isTTY);
  // In the console, logs would drown the conversation: only errors unless LOG_LEVEL says otherwise.
  const level = config.env.LOG_LEVEL ?? (consoleMode ? 'error' : 'info');
  const log = createLogger({ level, secrets: secretValues(config.env) });
  for (const notice of config.notices) {
    if (consoleMode) process.stderr.write(`! ${notice}\n`);
    else log.warn(notice);
  }
  const redis = await ensureRedis(config.env.REDIS_URL, log);
  const modules = [...(await loadModuleList()), ...(extra ? await extra() : [])];
  if (consoleMode) return runConsole(config, redis, log, values.as, interactive, modules);
  if (command !== 'serve') throw new VoidError('cli.unknown_command', `Unknown command "${command}".\n${USAGE}`);
  return serve(config, redis, role, log, modules);
}

async function runConsole(
  config: Config,
  redis: RedisHandle,
  log: Logger,
  as: string | undefined,
  interactive: boolean,
  modules: VoidModule[],
): Promise<number> {
  const repo = localGitModule({
    dir: config.env.VOID_LOCAL_REPO ?? process.cwd(),
    required: Boolean(config.env.VOID_LOCAL_REPO),
  });
  const app = await VoidApp.create(
    config,
    { role: 'worker', redisUrl: redis.url, log },
    withLocalRepository(config, modules, repo),
  );
  const local = repo.repository();
  if (local && interactive)
    process.stdout.write(
      `Version control: the local git repository ${local.dir} (review HEAD~1, review <branch>, deploy …).\n`,
    );
  await app.start();
  const subscriber = createRedis(redis.url);
  try {
    const session = new ConsoleSession({
      dispatcher: app.dispatcher,
      registry: app.registry,
      subscriber,
      prefix: app.prefix,
      input: process.stdin,
      output: process.stdout,
      interactive,
      as,
    });
    return await session.run();
  } finally {
    subscriber.disconnect();
    await app.stop(5_000);
    await redis.stop();
  }
}

async function serve(
  config: Config,
  redis: RedisHandle,
  role: Role,
  log: Logger,
  modules: VoidModule[],
): Promise<number> {
  if (role !== 'all' && !config.env.MONGODB_URL) {
    if (config.env.VOID_EMBEDDED_STORE === 'files') {
      throw new VoidError(
        'cli.split_needs_mongodb',
        `--role ${role} needs MONGODB_URL: without it the audit trail, approvals and Slack installations are ` +
          `kept in the data directory ${config.env.VOID_DATA_DIR}, which one process owns, ` +
          `so a separate web and worker cannot share them. Run one process with --role all, ` +
          `or set MONGODB_URL to run web and worker replicas.`,
      );
    }
    log.warn(
      { role },
      'MONGODB_URL is not set and VOID_EMBEDDED_STORE=memory, so approvals and the audit trail live inside each ' +
        'process: a separate web and worker cannot share them (approved jobs will be refused by the worker). ' +
        'Run --role all, or set MONGODB_URL.',
    );
  }
  const heapGrowth = heapGrowthPercent(config.env.VOID_HEAP_GROWTH_PERCENT);
  boundHeapGrowth(heapGrowth);
  const repo = localGitModule({ dir: config.env.VOID_LOCAL_REPO, required: true });
  const app = await VoidApp.create(
    config,
    { role, redisUrl: redis.url, log },
    withLocalRepository(config, modules, repo),
  );
  await app.start();
  log.info(
    { role, tenants: config.tenants.length, heapGrowthPercent: heapGrowth || 'v8', runtime: RUNTIME },
    'Void started',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: no new requests; finishing in-flight jobs');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.stop();
  await redis.stop();
  log.info('Void stopped');
  return 0;
}

/** The build's modules, with the local git repository as the VCS when the GitHub App is not configured. */
function withLocalRepository(config: Config, modules: VoidModule[], repo: VoidModule): VoidModule[] {
  return config.env.GITHUB_APP_ID && config.env.GITHUB_PRIVATE_KEY ? modules : [...modules, repo];
}

/** Runs the `void` command line and exits with its code (2 and a plain message on a known error). */
export function runVoid(argv: string[], extra?: ExtraModules): void {
  main(argv, extra).then(
    (code) => {
      process.exitCode = code;
      // Leave a moment for pino's asynchronous destination to flush.
      setTimeout(() => process.exit(code), 50).unref();
    },
    (error: unknown) => {
      if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
      else if (error instanceof VoidError) process.stderr.write(`void: ${error.message}\n`);
      else if (/^store\./.test(String((error as { code?: unknown })?.code)))
        process.stderr.write(`void: ${(error as Error).message}\n`);
      else if ((error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
        process.stderr.write(`void: ${(error as Error).message}\n${USAGE}\n`);
      else process.stderr.write(`void: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(2);
    },
  );
}
