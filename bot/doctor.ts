// `void doctor`: checks the configuration, Redis (version, eviction policy, persistence), the store (MongoDB and
// its topology) and every configured platform's credentials with one harmless call each, and prints what is wrong
// and how to fix it. Exit code 1 when a check failed. Secrets are never printed. This file is the command and the
// report; the checks are in doctor-infra.ts (Redis, MongoDB) and doctor-platforms.ts (one call per platform).
import type { Writable } from 'node:stream';
import { ConfigError, loadConfig, type Config } from './config/load.js';
import { secretValues } from './config/env.js';
import { resolveGithubIds } from './config/github-ids.js';
import { scrubber } from './logger.js';
import { DEFAULT_REDIS_URL } from './redis.js';
import { notificationChecks } from '../integrations/notify/doctor.js';
import { check, type Check, type CheckStatus } from './doctor-check.js';
import { checkRedis, checkStore } from './doctor-infra.js';
import { platformChecks, type Fetch } from './doctor-platforms.js';

const MARK: Record<CheckStatus, string> = { ok: '✔', warn: '!', fail: '✘', skip: '-' };

export function formatChecks(checks: readonly Check[], scrub: (s: string) => string): string {
  const lines = checks.map(
    (c) => `${MARK[c.status]} ${c.name}: ${c.detail}${c.fix && c.status !== 'ok' ? `\n    fix: ${c.fix}` : ''}`,
  );
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed
      ? `${failed} problem(s) to fix, ${warned} warning(s).`
      : `No problems found${warned ? ` (${warned} warning(s))` : ''}.`,
  );
  return scrub(lines.join('\n'));
}

/** Runs every check and prints the report; resolves the exit code (0: nothing failed, 1: something to fix). */
export async function runDoctor(options: {
  out: Writable;
  raw?: NodeJS.ProcessEnv;
  fetch?: Fetch;
  resolveGithubIds?: boolean;
}): Promise<number> {
  let config: Config;
  try {
    config = options.raw ? loadConfig(options.raw) : loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((p) =>
      check('config', 'fail', p, 'Correct it; `void check-config` re-checks just this.'),
    );
    const rest = check('everything else', 'skip', 'not checked until the configuration is valid');
    options.out.write(`${formatChecks([...problems, rest], (s) => s)}\n`);
    return 1;
  }
  if (options.resolveGithubIds)
    return resolveGithubIds(config.tenants, options.out, { apiUrl: config.env.GITHUB_API_URL, fetch: options.fetch });
  const checks: Check[] = [check('config', 'ok', `${config.tenants.length} tenant(s) from ${config.tenantsFile.path}`)];
  for (const notice of config.notices) checks.push(check('config', 'warn', notice));
  checks.push(...(await checkRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL)));
  checks.push(await checkStore(config.env));
  const platforms = await platformChecks(config, options.fetch ?? fetch);
  checks.push(
    ...(platforms.length
      ? platforms
      : [check('platforms', 'skip', 'no chat platform or model provider configured (console only)')]),
  );
  checks.push(...(await notificationChecks(config, config.env.REDIS_URL ?? DEFAULT_REDIS_URL)));
  options.out.write(`${formatChecks(checks, scrubber(secretValues(config.env)))}\n`);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
