// Circuit breaker per tenant and provider, kept in Redis so that every worker replica sees the same state.
// `failures` consecutive failures open the circuit for `coolDownMs`; after the cool-down one call is let through
// (half-open): a success closes the circuit, a failure opens it again at once.
import type { Redis } from 'ioredis';

export interface BreakerSettings {
  readonly failures: number;
  readonly coolDownMs: number;
}

export class CircuitBreaker {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(tenantId: string, providerId: string): string {
    return `${this.prefix}:llm:breaker:${tenantId}:${providerId}`;
  }

  /** Milliseconds until the circuit lets calls through again; 0 when closed or half-open. */
  async openFor(tenantId: string, providerId: string): Promise<number> {
    const until = Number(await this.redis.hget(this.key(tenantId, providerId), 'openUntil'));
    return Number.isFinite(until) ? Math.max(0, until - this.now()) : 0;
  }

  async success(tenantId: string, providerId: string): Promise<void> {
    await this.redis.del(this.key(tenantId, providerId));
  }

  /** Records a failure; resolves true when the circuit is (now) open. */
  async failure(tenantId: string, providerId: string, settings: BreakerSettings): Promise<boolean> {
    const key = this.key(tenantId, providerId);
    const failures = await this.redis.hincrby(key, 'failures', 1);
    await this.redis.pexpire(key, Math.max(settings.coolDownMs * 10, 3_600_000));
    if (failures < settings.failures) return false;
    await this.redis.hset(key, 'openUntil', String(this.now() + settings.coolDownMs));
    return true;
  }
}
