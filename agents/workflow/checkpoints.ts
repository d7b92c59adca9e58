// WorkflowRun (the Workflow orchestrator of ARCHITECTURE.md): a job as named steps whose results are checkpointed
// in Redis. After a crash the job runs again (BullMQ retries it, or a stalled job moves to another worker) and
// finished steps are not redone: their side effects (commit, pull request, comment) happened once. The thread is
// updated at every step.
import type { Redis } from 'ioredis';

export interface Step<T> {
  readonly name: string;
  readonly run: () => Promise<T>;
}

export type StepProgress = (step: string, fraction: number) => Promise<void>;

export class WorkflowRun {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    tenantId: string,
    runId: string,
    private readonly total: number,
    private readonly progress: StepProgress,
    private readonly ttlSeconds = 14 * 86_400,
  ) {
    this.key = `${prefix}:wf:${tenantId}:${runId}`;
  }

  /** Names of the steps already finished (for tests and status). */
  async finished(): Promise<string[]> {
    return this.redis.hkeys(this.key);
  }

  /** Runs the step unless a checkpoint says it finished; returns its (stored) result. Results must be JSON. */
  async step<T>(index: number, name: string, run: () => Promise<T>): Promise<T> {
    const stored = await this.redis.hget(this.key, name);
    const label = `step ${index}/${this.total}: ${name}`;
    if (stored !== null) {
      await this.progress(`${label} (done before a restart, not repeated)`, index / this.total);
      return (JSON.parse(stored) as { value: T }).value;
    }
    await this.progress(label, (index - 1) / this.total);
    const value = await run();
    await this.redis
      .multi()
      .hset(this.key, name, JSON.stringify({ value: value ?? null }))
      .expire(this.key, this.ttlSeconds)
      .exec();
    return value;
  }
}
