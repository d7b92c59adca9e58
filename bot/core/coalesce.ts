// Progress of a job is one message updated in place; a processor may report progress many times a second, and each
// update is a platform write that counts against the channel's pacing (Slack: about one a second per channel). This
// port in front of the chat port writes a keyed progress update at most once per window per key, skips an update
// identical to what was last written, and always delivers the final state: an answer or refusal under a key drops
// the progress still waiting and is written at once, in order, never overtaken by an older progress line.
import type { ChatPort } from './ports.js';
import type { Reply, ThreadRef } from './types.js';

export interface CoalescingOptions {
  /** At most one progress write per key per this many milliseconds (default 1,000). */
  readonly windowMs?: number;
  /** A key nothing was written to for this long is forgotten (default 60 s, at least the window); a key whose last
   *  write was its final state (an answer or refusal), one window after that write. */
  readonly forgetAfterMs?: number;
  /** Told when a held progress write fails (the next update or the final state still goes through). */
  readonly onError?: (error: unknown, key: string) => void;
}

interface KeyState {
  lastText?: string;
  lastWriteAt: number;
  /** The last write was a final state (not progress): the key is forgotten one window after it. */
  final: boolean;
  pending?: { thread: ThreadRef; reply: Reply };
  timer?: NodeJS.Timeout;
  /** Writes of this key in order: each one starts after the one before has finished. */
  chain: Promise<void>;
  /** The last write has settled (no write in flight). */
  idle: boolean;
}

export class CoalescingChat implements ChatPort {
  private readonly keys = new Map<string, KeyState>();
  private readonly windowMs: number;
  private readonly forgetAfterMs: number;
  /** One timer for every key (none while no key is kept): forgets idle keys. A timer per write, kept for a minute,
   *  was two timers per job alive at any time (at 3,000 jobs/s, 360,000 of them and their closures to collect). */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: ChatPort,
    private readonly options: CoalescingOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 1000;
    this.forgetAfterMs = Math.max(this.windowMs, options.forgetAfterMs ?? 60_000);
  }

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    const key = reply.key;
    if (!key) return this.inner.post(thread, reply);
    let state = this.keys.get(key);
    if (!state) {
      state = { lastWriteAt: 0, final: false, idle: true, chain: Promise.resolve() };
      this.keys.set(key, state);
      this.sweeper ??= setInterval(() => this.sweep(), this.sweepEveryMs()).unref();
    }
    if (reply.kind !== 'progress') {
      // The final state (or any non-progress reply): written now, after whatever write of this key is in flight.
      this.cancelPending(state);
      return this.write(state, thread, reply);
    }
    if (reply.text === (state.pending?.reply.text ?? state.lastText)) return;
    const wait = state.lastWriteAt + this.windowMs - Date.now();
    if (wait <= 0 && !state.timer) return this.write(state, thread, reply);
    // Within the window: hold the newest update; one timer writes it when the window ends.
    state.pending = { thread, reply };
    state.timer ??= setTimeout(() => this.flush(key, state), Math.max(0, wait));
  }

  /** Writes every held update now (on shutdown, so that the last progress shown is the last one reported). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.keys.entries()].map(([key, state]) => this.flush(key, state)));
  }

  private flush(key: string, state: KeyState): Promise<void> {
    const pending = state.pending;
    this.cancelPending(state);
    if (!pending) return state.chain;
    return this.write(state, pending.thread, pending.reply).catch((error: unknown) =>
      this.options.onError?.(error, key),
    );
  }

  private write(state: KeyState, thread: ThreadRef, reply: Reply): Promise<void> {
    state.lastText = reply.text;
    state.lastWriteAt = Date.now();
    state.final = reply.kind !== 'progress';
    const write = state.chain.then(() => this.inner.post(thread, reply));
    const settled = write.catch(() => undefined);
    state.chain = settled;
    // Forgotten by the sweeper once idle: nothing pending, and no write started since this one settled.
    void settled.then(() => {
      if (state.chain === settled) state.idle = true;
    });
    state.idle = false;
    return write;
  }

  /** Between a window and a second: a final state is forgotten about one window after it was written. */
  private sweepEveryMs(): number {
    return Math.min(1000, Math.max(25, this.windowMs));
  }

  /** Forgets the keys nothing was written to for a while (a job that ends elsewhere leaves nothing behind). */
  private sweep(): void {
    const now = Date.now();
    for (const [key, state] of this.keys) {
      const idleFor = now - state.lastWriteAt;
      if (state.idle && !state.pending && idleFor >= (state.final ? this.windowMs : this.forgetAfterMs))
        this.keys.delete(key);
    }
    if (this.keys.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private cancelPending(state: KeyState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.pending = undefined;
  }

  /** Keys with state (for tests and diagnostics). */
  get size(): number {
    return this.keys.size;
  }
}
