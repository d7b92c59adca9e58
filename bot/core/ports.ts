// Ports that adapters implement. The core and the workers speak to platforms only through these.
import type { Reply, ThreadRef } from './types.js';

/** Posts (or, for a reply with a key, updates in place) a message in a thread. */
export interface ChatPort {
  post(thread: ThreadRef, reply: Reply): Promise<void>;
}

/** Routes a reply to the adapter of the thread's platform. */
export class ReplyRouter implements ChatPort {
  private readonly ports = new Map<string, ChatPort>();

  register(platform: ThreadRef['platform'], port: ChatPort): this {
    this.ports.set(platform, port);
    return this;
  }

  has(platform: ThreadRef['platform']): boolean {
    return this.ports.has(platform);
  }

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    const port = this.ports.get(thread.platform);
    if (!port) throw new Error(`no chat adapter for ${thread.platform} in this process`);
    await port.post(thread, reply);
  }
}
