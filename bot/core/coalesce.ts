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
  /** A key nothing was written to for this long is forgotten (default 60 s, at least the window). */
  readonly forgetAfterMs?: number;
  /** Told when a held progress write fails (the next update or the final state still goes through). */
  readonly onError?: (error: unknown, key: string) => void;
}

interface KeyState {
  lastText?: string;
  lastWriteAt: number;
  pending?: { thread: ThreadRef; reply: Reply };
  timer?: NodeJS.Timeout;
  /** Writes of this key in order: each one starts after the one before has finished. */
  chain: Promise<void>;
}

export class CoalescingChat implements ChatPort {
  private readonly keys = new Map<string, KeyState>();
  private readonly windowMs: number;
  private readonly forgetAfterMs: number;

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
    const state = this.keys.get(key) ?? { lastWriteAt: 0, chain: Promise.resolve() };
    this.keys.set(key, state);
    if (reply.kind !== 'progress') {
      // The final state (or any non-progress reply): written now, after whatever write of this key is in flight.
      this.cancelPending(state);
      return this.write(key, state, thread, reply);
    }
    if (reply.text === (state.pending?.reply.text ?? state.lastText)) return;
    const wait = state.lastWriteAt + this.windowMs - Date.now();
    if (wait <= 0 && !state.timer) return this.write(key, state, thread, reply);
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
    return this.write(key, state, pending.thread, pending.reply).catch((error: unknown) =>
      this.options.onError?.(error, key),
    );
  }

  private write(key: string, state: KeyState, thread: ThreadRef, reply: Reply): Promise<void> {
    state.lastText = reply.text;
    state.lastWriteAt = Date.now();
    const write = state.chain.then(() => this.inner.post(thread, reply));
    const settled = write.catch(() => undefined);
    state.chain = settled;
    // A key nothing was written to for a while is forgotten (a job that ends elsewhere leaves nothing behind).
    void settled.then(() => setTimeout(() => this.forgetIfIdle(key, state, settled), this.forgetAfterMs).unref());
    return write;
  }

  private cancelPending(state: KeyState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.pending = undefined;
  }

  private forgetIfIdle(key: string, state: KeyState, lastWrite: Promise<void>): void {
    if (!state.pending && state.chain === lastWrite && this.keys.get(key) === state) this.keys.delete(key);
  }

  /** Keys with state (for tests and diagnostics). */
  get size(): number {
    return this.keys.size;
  }
}
