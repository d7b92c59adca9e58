// `status`: reads the tenant's own queue state from Redis. A real, small job: it proves the pipeline end to end
// (dispatcher → BullMQ → worker → reply) and answers with what is actually queued, running or finished.
import type { JobQueue, JobSummary } from '../queue.js';
import type { Processor } from '../worker.js';

export function statusProcessor(queue: JobQueue): Processor {
  return async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'status') throw new Error('status processor got another command');
    await ctx.progress('reading the queue', 0.5);
    if (command.id) {
      const job = await queue.summary(ctx.tenant.id, command.id);
      return { summary: job ? describe(job) : `no job or request "${command.id}" in ${ctx.tenant.name}` };
    }
    const jobs = (await queue.recent(ctx.tenant.id, 10)).filter((j) => j.id !== ctx.jobId);
    if (!jobs.length) return { summary: `no other jobs in ${ctx.tenant.name} yet` };
    const counts = new Map<string, number>();
    for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
    const overview = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
    return {
      summary: `${ctx.tenant.name}, last ${jobs.length} jobs: ${overview}\n${jobs.map((j) => `• ${describe(j)}`).join('\n')}`,
    };
  };
}

function describe(job: JobSummary): string {
  const failed = job.failedReason ? ` (${job.failedReason.slice(0, 120)})` : '';
  return `${job.id}: ${job.kind} by ${job.requester}, ${job.state}${failed}, queued ${job.createdAt}`;
}
