// The producer side of the job pipeline: typed job data into BullMQ with deterministic job ids.
import { batchedScript, redisScript, runScriptBatched } from '../bot/core/redis-script.js';
import { Job, Queue, type IRedisClient } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueUnavailableError } from '../bot/core/errors.js';
import { JOB_QUEUE, parseJobData, type DeliveryMark, type JobData, type JobSubmitter } from '../bot/core/jobs.js';
import { currentTraceCarrier } from '../bot/core/trace.js';

export interface JobQueueOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly name?: string;
  readonly attempts: number;
  readonly backoffMs?: number;
}

export interface JobSummary {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly requester: string;
  readonly createdAt: string;
  readonly attemptsMade: number;
  readonly failedReason?: string | undefined;
  readonly progress?: unknown;
}

const RECENT_PER_TENANT = 500;
/** The tenant index is trimmed on every this many-th new job of this process (a round trip saved on the others). */
const TRIM_EVERY = 20;

export class JobQueue implements JobSubmitter {
  readonly queue: Queue<JobData>;
  readonly name: string;
  private added = 0;
  /** BullMQ's client for this connection (its scripts defined), resolved at the first enqueue. */
  private client: IRedisClient | undefined;

  constructor(private readonly options: JobQueueOptions) {
    this.name = options.name ?? JOB_QUEUE;
    this.queue = new Queue<JobData>(this.name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
        removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    });
    this.queue.on('error', () => undefined);
  }

  private recentKey(tenantId: string): string {
    return `${this.options.prefix}:tenant:${tenantId}:jobs`;
  }

  /**
   * Adds the job under its deterministic id. Resolves `duplicate: true` when this id was already queued for the
   * tenant: BullMQ keeps the existing job and adds nothing.
   */
  async enqueue(jobId: string, data: JobData, mark?: DeliveryMark): Promise<{ jobId: string; duplicate: boolean }> {
    const trace = data.trace ?? currentTraceCarrier();
    const checked = parseJobData(trace ? { ...data, trace } : data);
    if (!checked.success) throw checked.error;
    const valid = checked.data;
    const redis = this.options.connection;
    try {
      // Both commands are in flight together (one wait); the index is trimmed now and then, not each time. BullMQ's
      // insert is sent as addJob is called (before its first await), so the index script runs after it (one
      // connection: Redis runs them in order), whether it goes at once or, behind an earlier job of this turn, at the
      // turn's end with the others' index entries (runScriptBatched); with the delivery's done mark, the index entry
      // and the mark are that one script (a command fewer), which writes the mark only if the job is there.
      const index = this.recentKey(valid.tenantId);
      const client = this.client ?? (this.client = await this.queue.getBackend().client);
      const job = new Job<JobData>(this.queue, valid.kind, valid, { ...this.queue.defaultJobOptions, jobId }, jobId);
      const inserted = job.addJob(client);
      const [added] = await Promise.all([
        mark
          ? indexAndMark(redis, [index, mark.key, this.queue.toKey(jobId)], jobId, mark)
          : redis.zadd(index, 'NX', Date.now(), jobId),
        inserted,
      ]);
      if (added && ++this.added % TRIM_EVERY === 0) await redis.zremrangebyrank(index, 0, -RECENT_PER_TENANT - 1);
      return { jobId, duplicate: added === 0 };
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
  }

  /** The kernel's JobSubmitter port (bot/core/jobs.ts): what commands and approvals submit jobs through. */
  submitJob(jobId: string, data: JobData, mark?: DeliveryMark): Promise<{ jobId: string; duplicate: boolean }> {
    return this.enqueue(jobId, data, mark);
  }

  /** A job of this tenant, or undefined: another tenant's job id reads as if it did not exist. */
  async getForTenant(tenantId: string, jobId: string): Promise<Job<JobData> | undefined> {
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined;
    const parsed = parseJobData(job.data);
    return parsed.success && parsed.data.tenantId === tenantId ? job : undefined;
  }

  async summary(tenantId: string, jobId: string): Promise<JobSummary | undefined> {
    const job = await this.getForTenant(tenantId, jobId);
    return job ? summarise(job, await job.getState()) : undefined;
  }

  async recent(tenantId: string, limit = 10): Promise<JobSummary[]> {
    const ids = await this.options.connection.zrevrange(this.recentKey(tenantId), 0, limit - 1);
    // All lookups at once (one pipelined round trip, not two per job); the newest-first order is kept.
    const summaries = await Promise.all(ids.map((id) => this.summary(tenantId, id)));
    return summaries.filter((s): s is JobSummary => s !== undefined);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function summarise(job: Job<JobData>, state: string): JobSummary {
  return {
    id: job.id ?? '',
    kind: job.data.kind,
    state,
    requester: job.data.requester.memberId,
    createdAt: new Date(job.timestamp).toISOString(),
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason || undefined,
    progress: job.progress,
  };
}

// The tenant index entry of a new job and the done mark of the delivery that queued it, if the job is in Redis: the
// mark never goes before the job (a delivery marked done whose job was never added would be lost: its retries would
// be refused). When the job is not there yet (the script ran first) the mark is left to the dispatcher, as without it.
// KEYS: index, delivery, job hash. ARGV: now ms, job id, mark value, mark TTL s. Returns { ZADD NX's count, marked }.
const INDEX_AND_MARK = redisScript(`
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
if redis.call('EXISTS', KEYS[3]) == 0 then return {added, 0} end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return {added, 1}
`);
/** The SHA of what is sent (the batch form: runScriptBatched). */
export const INDEX_AND_MARK_SHA = batchedScript(INDEX_AND_MARK).sha;

/** One script call (batched with the other jobs' of this turn: runScriptBatched). Sets `mark.marked` when the mark
 *  was written. */
async function indexAndMark(
  redis: Redis,
  keys: readonly [string, string, string],
  jobId: string,
  mark: DeliveryMark,
): Promise<number> {
  const args = [Date.now(), jobId, mark.value, mark.ttlSeconds];
  const result = (await runScriptBatched(redis, INDEX_AND_MARK, keys, args)) as [number, number];
  if (Number(result[1]) === 1) mark.marked = true;
  return Number(result[0]);
}
