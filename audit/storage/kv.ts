// A durable key → value map on the log format of log.ts: `<name>.snapshot` holds the whole map at one moment,
// `<name>.log` the puts and deletes since. Opening loads the snapshot and replays the log (cutting a torn tail);
// when the log has grown past the snapshot (and past a floor), it is compacted: the whole map is written to a new
// snapshot atomically, then the log is emptied. A crash between the two replays puts and deletes that the snapshot
// already holds, which changes nothing (every entry carries the whole value).
import { AppendLog, frame, scanLog, writeFileAtomic } from './log.js';
import type { DataDir } from './datadir.js';

type Entry<V> = { k: string; v: V } | { k: string; d: true };

export interface DurableMapOptions {
  /** Compact once the log exceeds this many bytes and the snapshot's size (default 4 MiB). */
  readonly compactAtBytes?: number;
}

export class DurableMap<V> {
  private snapshotBytes = 0;
  private compacting: Promise<void> | undefined;

  private constructor(
    private readonly dir: DataDir,
    private readonly snapshotFile: string,
    readonly map: Map<string, V>,
    private readonly log: AppendLog | undefined,
    private readonly compactAt: number,
  ) {}

  static async open<V>(
    dir: DataDir,
    folder: string,
    name: string,
    options: DurableMapOptions = {},
  ): Promise<DurableMap<V>> {
    const snapshotFile = dir.file(folder, `${name}.snapshot`);
    const logFile = dir.file(folder, `${name}.log`);
    const map = new Map<string, V>();
    const snapshot = scanLog<Entry<V>>(snapshotFile);
    if (snapshot.torn)
      throw new Error(
        `${snapshotFile} is incomplete (${snapshot.torn.reason}); snapshots are written atomically, ` +
          `so it was changed outside Void: restore from a backup`,
      );
    const replay = scanLog<Entry<V>>(logFile);
    for (const e of [...snapshot.entries, ...replay.entries]) {
      if ('d' in e) map.delete(e.k);
      else map.set(e.k, e.v);
    }
    if (replay.torn) dir.report.torn.push(replay.torn);
    if (!dir.readOnly) dir.claim(logFile);
    const log = dir.readOnly ? undefined : await AppendLog.open(logFile, replay.validBytes);
    const kv = new DurableMap<V>(dir, snapshotFile, map, log, options.compactAtBytes ?? 4 * 2 ** 20);
    kv.snapshotBytes = snapshot.validBytes;
    return kv;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Sets the value in memory at once (callers see it) and resolves when the change is on disk. */
  put(key: string, value: V): Promise<void> {
    this.map.set(key, value);
    return this.write({ k: key, v: value });
  }

  delete(key: string): Promise<void> {
    this.map.delete(key);
    return this.write({ k: key, d: true });
  }

  private async write(entry: Entry<V>): Promise<void> {
    if (!this.log) throw new Error('this is a read-only view of the data directory');
    await this.log.append(entry);
    if (!this.compacting && this.log.bytes > this.compactAt && this.log.bytes > this.snapshotBytes) {
      this.compacting = this.compact().finally(() => (this.compacting = undefined));
    }
  }

  /** Writes the whole map as the new snapshot, then empties the log. */
  async compact(): Promise<void> {
    const log = this.log;
    if (!log) return;
    await log.rewrite(() => {
      const lines: string[] = [];
      for (const [k, v] of this.map) lines.push(frame({ k, v }));
      writeFileAtomic(this.snapshotFile, lines);
      this.snapshotBytes = lines.reduce((n, l) => n + l.length, 0);
      return [];
    });
  }

  async close(): Promise<void> {
    await this.compacting;
    await this.log?.close();
    if (this.log) this.dir.unclaim(this.log.file);
  }
}
