// Per-tenant daily token and cost budgets and a per-minute call rate, in Redis (shared by every worker).
// Checked before each call; spent after it. Exhausted → BudgetExhaustedError: the job says so and is not retried.
import type { Redis } from 'ioredis';
import type { ModelsSettings } from './models.schema.js';
import { BudgetExhaustedError } from './types.js';

export interface Spend {
  readonly tokens: number;
  readonly costUsd: number;
}

export class ModelBudget {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private dayKey(tenantId: string): string {
    return `${this.prefix}:llm:budget:${tenantId}:${new Date(this.now()).toISOString().slice(0, 10)}`;
  }

  async spent(tenantId: string): Promise<Spend> {
    const [tokens, micro] = await this.redis.hmget(this.dayKey(tenantId), 'tokens', 'microUsd');
    return { tokens: Number(tokens ?? 0), costUsd: Number(micro ?? 0) / 1e6 };
  }

  /** Throws BudgetExhaustedError when today's budget or this minute's call rate is used up; counts the call. */
  async admit(tenantId: string, budgets: ModelsSettings['budgets']): Promise<void> {
    const spent = await this.spent(tenantId);
    if (budgets.dailyTokens !== undefined && spent.tokens >= budgets.dailyTokens) {
      throw new BudgetExhaustedError(
        `today's model budget is used up (${spent.tokens} of ${budgets.dailyTokens} tokens); it resets at 00:00 UTC`,
      );
    }
    if (budgets.dailyCostUsd !== undefined && spent.costUsd >= budgets.dailyCostUsd) {
      throw new BudgetExhaustedError(
        `today's model spending limit is reached ($${spent.costUsd.toFixed(2)} of ` +
          `$${budgets.dailyCostUsd.toFixed(2)}); it resets at 00:00 UTC`,
      );
    }
    const minute = Math.floor(this.now() / 60_000);
    const rateKey = `${this.prefix}:llm:rate:${tenantId}:${minute}`;
    const calls = await this.redis.incr(rateKey);
    if (calls === 1) await this.redis.expire(rateKey, 120);
    if (calls > budgets.callsPerMinute) {
      throw new BudgetExhaustedError(
        `the model call rate limit is reached (${budgets.callsPerMinute} calls per minute for this organisation)`,
      );
    }
  }

  async spend(tenantId: string, tokens: number, costUsd: number): Promise<void> {
    const key = this.dayKey(tenantId);
    await this.redis
      .multi()
      .hincrby(key, 'tokens', Math.max(0, Math.round(tokens)))
      .hincrby(key, 'microUsd', Math.max(0, Math.round(costUsd * 1e6)))
      .expire(key, 2 * 86_400)
      .exec();
  }
}
