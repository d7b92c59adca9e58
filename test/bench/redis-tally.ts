// Counts what this process sends to Redis, to report round trips per job (B3) and to pin them in a test. Two figures:
// commands (every command ioredis sends, BullMQ's and Void's Lua scripts by their names) and writes (socket writes:
// a pipeline, a MULTI or an auto-pipelined batch leaves as one write and costs one round trip). Installed by patching
// ioredis' Redis.prototype.sendCommand while a tally is open; nothing of the application changes.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { INDEX_AND_MARK_SHA } from '../../agents/queue.js';
import { CLAIM_AND_COUNT_SHA } from '../../bot/limits.js';
import { SLOT_SCRIPT_SHAS } from '../../agents/slots.js';

type Send = (this: Redis, command: { name: string; args: unknown[] }, stream?: unknown) => unknown;
type Writable = { write: (...args: unknown[]) => boolean; __tallied?: boolean };

/** The phase of a job's life a command belongs to, by command or script name. */
export function phaseOf(label: string): string {
  if (/^(bzpopmin|moveToActive|brpoplpush|blmove)/.test(label)) return 'pick-up';
  if (/^moveToFinished/.test(label)) return 'completed';
  if (/^updateProgress/.test(label)) return 'progress';
  if (/^(addStandardJob|addJob|zadd|zremrangebyrank|indexAndMark)/.test(label)) return 'enqueue';
  if (/^(claimAndCount|claim|set|del|eval:.*SET)/i.test(label)) return 'ingest (claim, limits)';
  if (/slot|ACQUIRE|zrem$|multi|exec|ZREMRANGEBYSCORE/i.test(label)) return 'slot';
  if (/^(extendLock|moveStalled|getRateLimitTtl|isFinished|info|client|ping|hgetall|hmget)/i.test(label))
    return 'maintenance';
  return 'other';
}

export class RedisTally {
  /** The tally that counts socket writes now (the last one started): a socket outlives the tally that first saw it. */
  private static counting: RedisTally | undefined;
  readonly commands = new Map<string, number>();
  writes = 0;
  /** Script names by SHA: BullMQ's (defined commands, learnt from the client), Void's (runScript's EVALSHAs). */
  private readonly shas = new Map<string, string>([
    [CLAIM_AND_COUNT_SHA, 'claimAndCount'],
    [INDEX_AND_MARK_SHA, 'indexAndMark'],
    ...Object.entries(SLOT_SCRIPT_SHAS).map(([name, sha]) => [sha, name] as [string, string]),
  ]);
  private original: Send | undefined;
  active = false;

  /** Starts counting (from zero). */
  start(): this {
    this.commands.clear();
    this.writes = 0;
    this.active = true;
    RedisTally.counting = this;
    if (this.original) return this;
    const proto = Redis.prototype as unknown as { sendCommand: Send };
    const original = proto.sendCommand;
    this.original = original;
    const count = (client: Redis, command: { name: string; args: unknown[] }): void => {
      if (this.active) this.count(client, command);
    };
    proto.sendCommand = function (command, stream) {
      count(this, command);
      return original.call(this, command, stream);
    };
    return this;
  }

  stop(): this {
    this.active = false;
    return this;
  }

  /** Restores ioredis as it was. */
  uninstall(): void {
    if (this.original) (Redis.prototype as unknown as { sendCommand: Send }).sendCommand = this.original;
    this.original = undefined;
    this.active = false;
  }

  get total(): number {
    let n = 0;
    for (const v of this.commands.values()) n += v;
    return n;
  }

  /** Commands per phase. */
  phases(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [label, n] of this.commands) out.set(phaseOf(label), (out.get(phaseOf(label)) ?? 0) + n);
    return out;
  }

  private count(client: Redis, command: { name: string; args: unknown[] }): void {
    const label = this.label(client, command);
    this.commands.set(label, (this.commands.get(label) ?? 0) + 1);
    const stream = (client as unknown as { stream?: Writable }).stream;
    if (stream && !stream.__tallied) {
      // Counted on the socket itself: one write per round trip's request, however many commands it carries. Counted
      // for the tally open now (a socket outlives the tally that first saw it: the next one counts its writes too).
      const write = stream.write.bind(stream);
      stream.write = (...args: unknown[]) => {
        const counting = RedisTally.counting;
        if (counting?.active) counting.writes++;
        return write(...args);
      };
      stream.__tallied = true;
    }
  }

  private label(client: Redis, command: { name: string; args: unknown[] }): string {
    if (command.name === 'evalsha') return this.scriptName(client, String(command.args[0]));
    if (command.name === 'eval') {
      const sha = createHash('sha1').update(String(command.args[0])).digest('hex');
      return this.shas.get(sha) ?? `eval:${String(command.args[0]).trim().split('\n')[0]?.slice(0, 40)}`;
    }
    return command.name;
  }

  private scriptName(client: Redis, sha: string): string {
    let name = this.shas.get(sha);
    if (name) return name;
    const scripts = (client as unknown as { scriptsSet?: Record<string, { sha: string }> }).scriptsSet ?? {};
    for (const [n, script] of Object.entries(scripts)) this.shas.set(script.sha, n);
    name = this.shas.get(sha) ?? `evalsha:${sha.slice(0, 8)}`;
    this.shas.set(sha, name);
    return name;
  }
}
