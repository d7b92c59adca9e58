// Concurrently running jobs per tenant and per person, leased in Redis so that every worker process shares them and
// a killed worker's slot comes back when its lease lapses. Each operation is one script (runScript: EVALSHA, EVAL when
// Redis does not know it yet): acquire is one command and one round trip, shared by the jobs that start in the same
// turn (runScriptBatched: one script call for all of them). A finished job's slot is freed by its lock's end (no
// command of its own).
import type { Redis } from 'ioredis';
import { batchedScript, redisScript, runScript, runScriptBatched } from '../bot/core/redis-script.js';
import type { JobSlotsPort, SlotVerdict } from '../bot/core/jobs.js';
import type { TenantLimits } from '../bot/core/types.js';

// The job's entry in both sets until now + lease, and both sets kept as long (the end of acquire, and renew).
// KEYS: tenant set, member set. ARGV: job id, now ms, lease ms.
const HOLD = `
local expiry = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`;

// Acquire a running-job slot in two leased sets at once (tenant and person), or neither; once per attempt of a job.
// A slot is held while its job runs: an entry whose job has no BullMQ lock any more (finished, failed, handed back, or
// its worker died and the lock lapsed) holds nothing and is dropped, so a job's end needs no release of its own. Each
// acquire drops the oldest few such entries (the sets stay the size of what runs), and all of them before refusing at
// the limit; an earlier attempt's entry of the same job goes first (a retry is counted once, against its limits).
// (The locks are read by name inside the script: Void runs on one Redis, not Redis Cluster.)
// KEYS: tenant set, member set. ARGV: job id, now ms, lease ms, tenant limit, member limit, lock key prefix.
const ACQUIRE = redisScript(`
local function lapsed(key, count)
  for _, id in ipairs(redis.call('ZRANGE', key, 0, count)) do
    if redis.call('EXISTS', ARGV[6] .. id .. ':lock') == 0 then redis.call('ZREM', key, id) end
  end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
lapsed(KEYS[1], 2)
lapsed(KEYS[2], 2)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then lapsed(KEYS[1], -1) end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then lapsed(KEYS[2], -1) end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return -2 end
${HOLD}`);

// Renew a running job's lease (every third of it, while it runs): its entry in both sets again, whether or not a
// lapsed lock had it dropped meanwhile (the job runs: it counts), and both sets kept as long. Never refused.
// KEYS: tenant set, member set. ARGV: job id, now ms, lease ms.
const RENEW = redisScript(HOLD);

/** The SHAs of the scripts as sent, by name (test/bench/redis-tally.ts counts them under these names). */
export const SLOT_SCRIPT_SHAS = {
  voidSlotAcquire: batchedScript(ACQUIRE).sha, // the batch form is what is sent (runScriptBatched)
  voidSlotRenew: RENEW.sha,
} as const;

export type { SlotVerdict } from '../bot/core/jobs.js';

export class JobSlots implements JobSlotsPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The job queue's key prefix (`<prefix>:<queue>:`, BullMQ's `queue.toKey('')`): a slot whose job's lock is gone
     *  is free. */
    private readonly lockPrefix: string,
    readonly leaseMs = 120_000,
  ) {}

  private keys(tenantId: string, memberId: string): [string, string] {
    return [`${this.prefix}:running:${tenantId}`, `${this.prefix}:running:${tenantId}:m:${memberId}`];
  }

  async acquire(tenantId: string, memberId: string, jobId: string, limits: TenantLimits): Promise<SlotVerdict> {
    const { concurrentJobs, memberConcurrentJobs } = limits;
    const args = [jobId, Date.now(), this.leaseMs, concurrentJobs, memberConcurrentJobs, this.lockPrefix];
    const result = Number(await runScriptBatched(this.redis, ACQUIRE, this.keys(tenantId, memberId), args));
    return result === 1 ? 'acquired' : result === -1 ? 'tenant_busy' : 'member_busy';
  }

  /** Renews the lease of a running job (never refused: the job runs, so it counts). */
  async renew(tenantId: string, memberId: string, jobId: string): Promise<void> {
    await runScript(this.redis, RENEW, this.keys(tenantId, memberId), [jobId, Date.now(), this.leaseMs]);
  }
}
