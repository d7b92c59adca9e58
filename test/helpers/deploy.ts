// Helpers for the deployment tests: spawn the real `void` binary, read its pino log lines, and clean its Redis keys.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { EXAMPLE_YAML, REDIS_URL } from './app.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface VoidProcess {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly raw: string[];
  /** Resolves with the first log line for which `match` is true. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** A tenants file in a fresh temporary folder. */
export function tempTenantsFile(yaml = EXAMPLE_YAML): string {
  const path = join(mkdtempSync(join(tmpdir(), 'void-deploy-')), 'void.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** A fresh, empty data directory for one spawned process (the durable embedded store's VOID_DATA_DIR). */
export function tempDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'void-data-')), 'data');
}

/** Starts `node bin/void.mjs <args>` (the tests' copy, void-test-bin.mjs, when VOID_TEST_MODULES is set) with
 *  only the given environment (plus PATH and HOME); each process gets its own fresh VOID_DATA_DIR unless the
 *  environment names one. `build`: the binaries of a compiled build (compiled.ts) instead of the checkout's. */
export function spawnVoid(
  args: string[],
  env: Record<string, string>,
  build?: { readonly bin: string; readonly testBin: string },
): VoidProcess {
  // With test-only modules (VOID_TEST_MODULES) the tests' copy of the binary runs: the production one ignores them.
  const bin = env.VOID_TEST_MODULES
    ? (build?.testBin ?? join(ROOT, 'test/helpers/void-test-bin.mjs'))
    : (build?.bin ?? join(ROOT, 'bin/void.mjs'));
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      REDIS_URL,
      LOG_LEVEL: 'info',
      VOID_DATA_DIR: tempDataDir(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const waiters: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  const onText = (chunk: Buffer) => {
    for (const text of String(chunk).split('\n').filter(Boolean)) {
      raw.push(text);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (!w.match(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onText);
  child.stderr?.on('data', onText);
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    lines,
    raw,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () => rej(new Error(`no matching log line within ${timeoutMs} ms; output:\n${raw.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), res(l)) });
        void exited.then((code) =>
          rej(new Error(`void exited (${code}) before the expected log line; output:\n${raw.join('\n')}`)),
        );
      });
    },
  };
}

/** `void <args>` run to its end with only the given environment (plus PATH, HOME, LOG_LEVEL=error). */
export function runVoid(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/void.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'error', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

/** Deletes every key under the prefix (SCAN + DEL; never KEYS or FLUSH). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
