// `status`: reads the tenant's own queue state from Redis. The web role answers `status` in the ack with
// statusSummary(); the job kind stays for callers that queue it (a real, small job: it proves the pipeline end to
// end, dispatcher → BullMQ → worker → reply, and answers with what is actually queued, running or finished).
import type { Tenant } from '../../bot/core/types.js';
import type { JobQueue, JobSummary } from '../queue.js';
import type { Processor } from '../worker.js';

export function statusProcessor(queue: JobQueue): Processor {
  return async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'status') throw new Error('status processor got another command');
    await ctx.progress('reading the queue', 0.5);
    return { summary: await statusSummary(queue, ctx.tenant, command.id, ctx.jobId) };
  };
}

/** One job of the tenant (`id`), or its last ten jobs (without `except`, the asking job itself). */
export async function statusSummary(
  queue: JobQueue,
  tenant: Pick<Tenant, 'id' | 'name'>,
  id?: string,
  except?: string,
): Promise<string> {
  if (id) {
    const job = await queue.summary(tenant.id, id);
    return job ? describe(job) : `no job or request "${id}" in ${tenant.name}`;
  }
  const jobs = (await queue.recent(tenant.id, 10)).filter((j) => j.id !== except);
  if (!jobs.length) return `no ${except ? 'other ' : ''}jobs in ${tenant.name} yet`;
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const overview = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  const lines = jobs.map((j) => `• ${describe(j)}`).join('\n');
  return `${tenant.name}, last ${jobs.length} jobs: ${overview}\n${lines}`;
}

function describe(job: JobSummary): string {
  const failed = job.failedReason ? ` (${job.failedReason.slice(0, 120)})` : '';
  return `${job.id}: ${job.kind} by ${job.requester}, ${job.state}${failed}, queued ${job.createdAt}`;
}
