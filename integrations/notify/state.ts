// What notifications keep in Redis: preferences changed with `notify`, the dead-letter list, "already sent"
// markers (nothing is sent twice after success), per-endpoint circuit breakers, the ordered outbox of streaming
// endpoints, and SMTP error counts for `void doctor`.
import type { Redis } from 'ioredis';
import { preferenceOverrideSchema, type Preference } from './settings.schema.js';

export interface DeadLetter {
  readonly deliveryId: string;
  readonly channel: 'email' | 'webhook';
  readonly tenantId: string;
  /** Member id (mail) or endpoint id (webhook). */
  readonly recipient: string;
  readonly eventType: string;
  readonly failedAt: string;
  readonly attempts: number;
  readonly code: string;
  /** The job's data, to replay it as it was. */
  readonly job: unknown;
}

export interface BreakerSettings {
  readonly threshold: number;
  readonly coolDownMs: number;
}

const SENT_TTL_SECONDS = 8 * 24 * 3600;
const DEAD_MAX = 10_000;

export class NotifyState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'notify', ...parts].join(':');
  }

  async preference(tenantId: string, memberId: string): Promise<Partial<Preference> | undefined> {
    const raw = await this.redis.hget(this.key('prefs', tenantId), memberId);
    if (!raw) return undefined;
    const parsed = preferenceOverrideSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** quietHours "off" turns off quiet hours set in the tenants file too. */
  async setPreference(
    tenantId: string,
    memberId: string,
    pref: { channel?: string; quietHours?: string; timezone?: string },
  ): Promise<void> {
    const current = JSON.parse((await this.redis.hget(this.key('prefs', tenantId), memberId)) ?? '{}') as Record<
      string,
      unknown
    >;
    const next = { ...current, ...pref };
    await this.redis.hset(this.key('prefs', tenantId), memberId, JSON.stringify(next));
  }

  /** Claims a delivery as sent; false when it already was (a stalled job run again after success). */
  async wasSent(deliveryId: string): Promise<boolean> {
    return (await this.redis.exists(this.key('sent', deliveryId))) === 1;
  }

  async markSent(deliveryId: string): Promise<void> {
    await this.redis.set(this.key('sent', deliveryId), '1', 'EX', SENT_TTL_SECONDS);
  }

  async deadLetter(entry: DeadLetter): Promise<void> {
    const key = this.key('dead', entry.tenantId);
    await this.redis.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -DEAD_MAX, -1).exec();
  }

  async deadLetters(tenantId: string): Promise<DeadLetter[]> {
    return (await this.redis.lrange(this.key('dead', tenantId), 0, -1)).map((s) => JSON.parse(s) as DeadLetter);
  }

  /** Removes and returns the dead letters to replay (one delivery id, or all of the tenant's). */
  async takeDeadLetters(tenantId: string, deliveryId?: string): Promise<DeadLetter[]> {
    const key = this.key('dead', tenantId);
    const raw = await this.redis.lrange(key, 0, -1);
    const taken: DeadLetter[] = [];
    for (const item of raw) {
      const entry = JSON.parse(item) as DeadLetter;
      if (deliveryId && entry.deliveryId !== deliveryId) continue;
      if ((await this.redis.lrem(key, 1, item)) === 1) taken.push(entry);
    }
    return taken;
  }

  // ---- circuit breaker per endpoint ----

  /** Milliseconds the breaker stays open (0: closed or half-open, so a delivery may try). */
  async breakerOpenFor(tenantId: string, endpointId: string, now = Date.now()): Promise<number> {
    const until = Number((await this.redis.hget(this.key('breaker', tenantId, endpointId), 'openUntil')) ?? 0);
    return Math.max(0, until - now);
  }

  async breakerSuccess(tenantId: string, endpointId: string): Promise<void> {
    await this.redis.del(this.key('breaker', tenantId, endpointId));
  }

  /** Counts a failure; opens the breaker when the consecutive failures reach the threshold. Resolves the count. */
  async breakerFailure(
    tenantId: string,
    endpointId: string,
    settings: BreakerSettings,
    now = Date.now(),
  ): Promise<number> {
    const key = this.key('breaker', tenantId, endpointId);
    const failures = await this.redis.hincrby(key, 'failures', 1);
    if (failures >= settings.threshold) await this.redis.hset(key, 'openUntil', String(now + settings.coolDownMs));
    await this.redis.expire(key, 7 * 24 * 3600);
    return failures;
  }

  // ---- ordered outbox of a streaming endpoint ----

  async pushOutbox(tenantId: string, endpointId: string, item: unknown): Promise<void> {
    await this.redis.rpush(this.key('outbox', tenantId, endpointId), JSON.stringify(item));
  }

  async peekOutbox<T>(tenantId: string, endpointId: string): Promise<T | undefined> {
    const raw = await this.redis.lindex(this.key('outbox', tenantId, endpointId), 0);
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async popOutbox(tenantId: string, endpointId: string): Promise<void> {
    await this.redis.lpop(this.key('outbox', tenantId, endpointId));
  }

  async outboxLength(tenantId: string, endpointId: string): Promise<number> {
    return this.redis.llen(this.key('outbox', tenantId, endpointId));
  }

  // ---- SMTP health for doctor ----

  async recordSmtp(outcome: 'error' | 'bounce', code: string): Promise<void> {
    const key = this.key('smtp');
    await this.redis
      .multi()
      .hincrby(key, outcome === 'error' ? 'errors' : 'bounces', 1)
      .hset(key, `last_${outcome}`, `${new Date().toISOString()} ${code}`)
      .exec();
  }

  async smtpStats(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key('smtp'));
  }
}
