// Per-tenant and per-person limits, kept in Redis so that every web and worker process shares them.
import { batchedScript, redisScript, runScriptBatched } from './core/redis-script.js';
import type { Redis } from 'ioredis';
import { QueueUnavailableError } from './core/errors.js';
import { refuse, type Refusal } from './core/outcome.js';
import type { Actor, TenantLimits } from './core/types.js';

/** Within the limits, or refused: the refusal's params carry the limit and `retryAfterSeconds`. */
export type LimitVerdict = { ok: true } | { ok: false; refusal: Refusal<'limit.tenant_rate' | 'limit.member_rate'> };

const WINDOW_SECONDS = 60;

/** Fixed one-minute windows: one INCR per key, both keys in one round trip (with the delivery claim). */
export class CommandRateLimiter {
  // A plain EVALSHA (EVAL when Redis does not know the script yet), not a command defined with defineCommand: on this
  // connection (no offline queue) a defined command sent while Redis is down can throw outside its
  // promise (ioredis#1511), an uncaught exception. EVALSHA sends 40 bytes where EVAL sent the script's 450.
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(actor: Actor, nowMs: number): { window: number; tenantKey: string; memberKey: string } {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    return {
      window,
      tenantKey: `${this.prefix}:rate:${actor.tenantId}:${window}`,
      memberKey: `${this.prefix}:rate:${actor.tenantId}:m:${actor.memberId}:${window}`,
    };
  }

  /**
   * The ingest fast path: claims a delivery (SET NX, as DeliveryLedger.claim does) and, only when it is new, counts it
   * against the limits, in one round trip (one script call for every command claimed in the same turn:
   * runScriptBatched). A redelivery is never counted.
   */
  async claimAndTake(
    claimKey: string,
    claimTtlSeconds: number,
    actor: Actor,
    tenantName: string,
    limits: TenantLimits,
    owner = '',
  ): Promise<'duplicate' | (LimitVerdict & { readonly resumed: boolean })> {
    const nowMs = this.now();
    const { tenantKey, memberKey } = this.keys(actor, nowMs);
    let result: unknown;
    try {
      const args = [claimTtlSeconds, WINDOW_SECONDS * 2, owner ? `processing:${owner}` : 'processing'];
      result = await runScriptBatched(this.redis, CLAIM_AND_COUNT, [claimKey, tenantKey, memberKey], args);
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
    const [claimed, tenantCount, memberCount, resumed] = (result as number[]).map(Number);
    if (!claimed) return 'duplicate';
    return { ...this.verdict(tenantCount ?? 0, memberCount ?? 0, nowMs, tenantName, limits), resumed: resumed === 1 };
  }

  private verdict(
    tenantCount: number,
    memberCount: number,
    nowMs: number,
    tenantName: string,
    limits: TenantLimits,
  ): LimitVerdict {
    const window = Math.floor(nowMs / 1000 / WINDOW_SECONDS);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_SECONDS * 1000 - nowMs) / 1000));
    if (memberCount > limits.memberCommandsPerMinute) {
      const limit = limits.memberCommandsPerMinute;
      return { ok: false, refusal: refuse('limit.member_rate', { limit, retryAfterSeconds }) };
    }
    if (tenantCount > limits.commandsPerMinute) {
      const limit = limits.commandsPerMinute;
      return { ok: false, refusal: refuse('limit.tenant_rate', { tenant: tenantName, limit, retryAfterSeconds }) };
    }
    return { ok: true };
  }
}

// KEYS: delivery claim, tenant counter, member counter. ARGV: claim TTL, counter TTL, claim value
// (`processing:<intake job id>`: the same queued item run again after its worker died takes its own claim over, and
// is told so: the 4th value is 1).
const CLAIM_AND_COUNT = redisScript(`
local held = redis.call('GET', KEYS[1])
if held and (ARGV[3] == 'processing' or held ~= ARGV[3]) then return {0, 0, 0, 0} end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])
local t = redis.call('INCR', KEYS[2])
if t == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
local m = redis.call('INCR', KEYS[3])
if m == 1 then redis.call('EXPIRE', KEYS[3], ARGV[2]) end
if held then return {1, t, m, 1} end
return {1, t, m, 0}
`);
/** The SHA of what is sent (the batch form: runScriptBatched). */
export const CLAIM_AND_COUNT_SHA = batchedScript(CLAIM_AND_COUNT).sha;
