// A command that queues a job marks its delivery done in the job's own write (agents/queue.ts, indexAndMark). The
// mark must never stand without the job: a delivery marked done whose job was never added would be lost (its retries
// are refused as duplicates). So the mark is written only when the job is in Redis, and otherwise left to the
// dispatcher, which writes it after a successful add or gives the delivery back after a failed one.
import { Job } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { JobQueue } from '../../agents/queue.js';
import type { DeliveryMark } from '../../bot/core/jobs.js';
import { jobData } from '../helpers/agents.js';
import { createRedis } from '../../bot/redis.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';

const redis = createRedis(REDIS_URL, { maxRetriesPerRequest: null });
afterAll(() => redis.disconnect());

const data = (i: number) => jobData('triage', { name: 'triage', ticket: `PAY-${i}` });

const markOf = (key: string): DeliveryMark => ({ key, value: 'done', ttlSeconds: 600, marked: false });

describe('the delivery mark sent with a job', () => {
  it('is written with the job, and not when the job is not in Redis (the add failed or comes later)', async () => {
    const prefix = uniqueId('mark');
    const queue = new JobQueue({ connection: redis, prefix, name: uniqueId('q'), attempts: 1 });
    try {
      // The queue's first add waits for BullMQ's set-up: then the script may run first (and leaves the mark alone).
      await queue.submitJob('job-0', data(0));
      const mark = markOf(`${prefix}:delivery:console:d-1`);
      expect(await queue.submitJob('job-1', data(1), mark)).toEqual({ jobId: 'job-1', duplicate: false });
      expect(mark.marked).toBe(true);
      expect(await redis.get(mark.key)).toBe('done');
      expect(await redis.ttl(mark.key)).toBeGreaterThan(500);
      // The same job id again (a redelivery under another delivery id): a duplicate, and that delivery is done too.
      const second = markOf(`${prefix}:delivery:console:d-1b`);
      expect(await queue.submitJob('job-1', data(1), second)).toEqual({ jobId: 'job-1', duplicate: true });
      expect(second.marked).toBe(true);

      // The add fails: no mark (the dispatcher gives the delivery back, and a retry queues the job).
      const failing = markOf(`${prefix}:delivery:console:d-2`);
      const realAddJob = Job.prototype.addJob;
      const addJob = vi.spyOn(Job.prototype, 'addJob').mockRejectedValueOnce(new Error('Redis went away'));
      await expect(queue.submitJob('job-2', data(2), failing)).rejects.toThrow();
      // The add has not reached Redis when the script runs: no mark either.
      const late = markOf(`${prefix}:delivery:console:d-3`);
      addJob.mockRestore();
      const delayed = vi.spyOn(Job.prototype, 'addJob').mockImplementationOnce(function (this: Job, ...args) {
        return new Promise((r) => setTimeout(r, 30)).then(() => realAddJob.apply(this, args));
      });
      expect(await queue.submitJob('job-3', data(3), late)).toEqual({ jobId: 'job-3', duplicate: false });
      delayed.mockRestore();
      expect([failing.marked, late.marked]).toEqual([false, false]);
      expect(await redis.exists(failing.key, late.key)).toBe(0);
      expect(await queue.queue.getJob('job-3')).toBeDefined();
    } finally {
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  });
});
