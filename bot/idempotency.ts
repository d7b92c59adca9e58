// Durable de-duplication of platform deliveries (RELIABILITY.md: a BullMQ job id only de-duplicates while that job
// exists). A delivery is claimed while it is being handled and marked done afterwards; the done mark outlives the
// platform's redelivery window (GitHub keeps redelivering for 3 days; the default here is 4).
import type { Redis } from 'ioredis';
import { QueueUnavailableError } from './core/errors.js';

export type Claim = 'first' | 'duplicate';

export class DeliveryLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly doneTtlSeconds: number,
    /** How long an in-flight claim blocks a retry; a crashed handler's claim lapses after this. */
    private readonly claimTtlSeconds = 60,
  ) {}

  /** How long an in-flight claim blocks a retry. */
  get claimTtl(): number {
    return this.claimTtlSeconds;
  }

  key(platform: string, deliveryId: string): string {
    return `${this.prefix}:delivery:${platform}:${deliveryId}`;
  }

  /** Throws QueueUnavailableError when Redis cannot be reached: the platform gets a 503 and retries. */
  async claim(platform: string, deliveryId: string): Promise<Claim> {
    try {
      const ok = await this.redis.set(this.key(platform, deliveryId), 'processing', 'EX', this.claimTtlSeconds, 'NX');
      return ok === 'OK' ? 'first' : 'duplicate';
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
  }

  async done(platform: string, deliveryId: string): Promise<void> {
    await this.redis.set(this.key(platform, deliveryId), 'done', 'EX', this.doneTtlSeconds);
  }

  /** Gives the delivery back after a failure, so that the platform's retry is processed. */
  async release(platform: string, deliveryId: string): Promise<void> {
    await this.redis.del(this.key(platform, deliveryId));
  }
}
