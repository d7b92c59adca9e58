// The data directory of the durable embedded store (VOID_DATA_DIR). One process owns it: an exclusive lock file
// (`LOCK`, created with O_EXCL, holding the owner's pid, host and start time) that a second process cannot take; a
// lock left by a dead process on this host is detected and replaced. The directory and everything in it are private
// to the user that runs Void (0700 / 0600). Read-only views (the CLI while the server runs, backups) take no lock.
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { FILE_MODE, syncDir, type TornTail } from './log.js';

export const DIR_MODE = 0o700;
export const LOCK_FILE = 'LOCK';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'store.locked';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `The data directory ${dir} is in use by process ${holder.pid} on host ${holder.host} ` +
            `(since ${holder.startedAt}). One Void process owns a data directory: stop that process, ` +
            `or point VOID_DATA_DIR elsewhere. Several processes (web and worker replicas) need MONGODB_URL.`
        : `The data directory ${dir} is locked (${join(dir, LOCK_FILE)} exists but cannot be read). ` +
            `If no Void process uses it, remove that file.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(dir: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the directory (0700) or tightens a looser one that already exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, DIR_MODE);
}

export interface AcquiredLock {
  readonly staleRemoved?: LockHolder | undefined;
  release(): void;
}

/** Takes the exclusive lock of a data directory, or throws DataDirLockedError naming the holder. */
export function acquireLock(dir: string): AcquiredLock {
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let staleRemoved: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dir);
      const stale = holder && holder.host === me.host && holder.pid !== process.pid && !alive(holder.pid);
      if (!stale) throw new DataDirLockedError(dir, holder);
      rmSync(file, { force: true });
      staleRemoved = holder;
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    syncDir(dir);
    return {
      staleRemoved,
      release: () => {
        if (readLock(dir)?.pid === process.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new DataDirLockedError(dir, readLock(dir));
}

export interface DataDirReport {
  readonly torn: TornTail[];
  readonly staleLock?: LockHolder | undefined;
}

/** What was repaired or found while opening, for the start-up log. */
export function describeReport(report: DataDirReport): string[] {
  const out: string[] = [];
  if (report.staleLock)
    out.push(
      `removed a stale lock of process ${report.staleLock.pid} (host ${report.staleLock.host}, ` +
        `since ${report.staleLock.startedAt}), which is no longer running`,
    );
  for (const t of report.torn)
    out.push(
      `torn tail in ${t.file}: ${t.droppedBytes} byte(s) from offset ${t.offset} cut (${t.reason}); ` +
        `the entry was never acknowledged`,
    );
  return out;
}

/**
 * A data directory opened by this process. The stores of one process (audit trail, approvals, Slack installations)
 * share it through `openDataDir`, which counts references: the lock goes when the last store closes.
 */
export class DataDir {
  readonly report: { torn: TornTail[]; staleLock?: LockHolder | undefined } = { torn: [] };
  private refs = 0;
  private readonly claimed = new Set<string>();

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly lock: AcquiredLock | undefined,
  ) {
    this.report.staleLock = lock?.staleRemoved;
  }

  /** The file (under a sub-folder, created 0700) of one log or snapshot. */
  file(folder: string, name: string): string {
    const dir = join(this.path, folder);
    if (!this.readOnly) ensurePrivateDir(dir);
    return join(dir, name);
  }

  /** Marks a log as opened by one store: a second store on the same files in this process is a bug, refused. */
  claim(file: string): void {
    if (this.claimed.has(file))
      throw new Error(`${file} is already open in this process: open one store per data directory`);
    this.claimed.add(file);
  }

  unclaim(file: string): void {
    this.claimed.delete(file);
  }

  static open(path: string, readOnly: boolean): DataDir {
    const dir = resolve(path);
    if (readOnly) {
      if (!existsSync(dir)) throw new Error(`There is no data directory at ${dir} (VOID_DATA_DIR).`);
      return new DataDir(dir, true, undefined);
    }
    ensurePrivateDir(dir);
    return new DataDir(dir, false, acquireLock(dir));
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0) return;
    open.delete(this.path);
    this.lock?.release();
  }
}

const open = new Map<string, DataDir>();

/** The process's handle on a data directory (taking its lock on first use), or a private read-only view. */
export function openDataDir(path: string, options: { readOnly?: boolean } = {}): DataDir {
  if (options.readOnly) return DataDir.open(path, true).retain();
  const key = resolve(path);
  const known = open.get(key);
  if (known) return known.retain();
  const dir = DataDir.open(key, false);
  open.set(key, dir);
  return dir.retain();
}
