// The console's ChatPort. Replies travel over Redis pub/sub, so a worker in another process reaches the person
// typing in the console just as the Slack adapter reaches a Slack thread.
import type { Redis } from 'ioredis';
import type { ChatPort } from '../core/ports.js';
import type { Reply, ThreadRef } from '../core/types.js';

export function consoleChannel(prefix: string, session: string): string {
  return `${prefix}:console:${session}`;
}

export class ConsoleChatPort implements ChatPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    await this.redis.publish(consoleChannel(this.prefix, thread.channel), JSON.stringify(reply));
  }
}
