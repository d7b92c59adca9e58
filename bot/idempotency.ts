// Durable de-duplication of platform deliveries (RELIABILITY.md: a BullMQ job id only de-duplicates while that job
// exists). A delivery is claimed while it is being handled and marked done afterwards; the done mark outlives the
// platform's redelivery window (GitHub keeps redelivering for 3 days; the default here is 4).
// Besides the delivery id, the digest of the exact signed bytes is claimed once (RELIABILITY.md 28): the signature
// covers the body, not the unsigned delivery-id header, so a captured body resent under a new id is a replay.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueueUnavailableError } from './core/errors.js';
import type { DeliveryMark } from './core/jobs.js';

export type Claim = 'first' | 'duplicate';

/** `new`: never seen; `redelivery`: seen under this same delivery id (the delivery ledger decides); `replay`: seen
 *  under another delivery id, so the same signed bytes are being sent again. */
export type BodyClaim = 'new' | 'redelivery' | 'replay';

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
    const { key, value, ttlSeconds } = this.doneMark(platform, deliveryId);
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  /** What done() writes, for a job's submit to write with the job instead (DeliveryMark, bot/core/jobs.ts). */
  doneMark(platform: string, deliveryId: string): DeliveryMark {
    return { key: this.key(platform, deliveryId), value: 'done', ttlSeconds: this.doneTtlSeconds, marked: false };
  }

  bodyKey(platform: string, signed: Buffer | string): string {
    return `${this.prefix}:body:${platform}:${createHash('sha256').update(signed).digest('hex')}`;
  }

  /**
   * Claims the digest of the exact signed bytes for as long as delivery ids are kept, or `ttlSeconds` where the
   * signature itself expires sooner (Slack: 5 minutes), in one round trip (SET NX GET).
   * Throws QueueUnavailableError when Redis cannot be reached, like claim().
   */
  async claimBody(
    platform: string,
    signed: Buffer | string,
    deliveryId: string,
    ttlSeconds = this.doneTtlSeconds,
  ): Promise<BodyClaim> {
    try {
      const seen = await this.redis.set(this.bodyKey(platform, signed), deliveryId, 'EX', ttlSeconds, 'NX', 'GET');
      if (seen === null) return 'new';
      return seen === deliveryId ? 'redelivery' : 'replay';
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
  }

  /** Gives the delivery back after a failure, so that the platform's retry is processed. */
  async release(platform: string, deliveryId: string): Promise<void> {
    await this.redis.del(this.key(platform, deliveryId));
  }
}
