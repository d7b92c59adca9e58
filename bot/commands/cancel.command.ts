// cancel <id>: removes a job of this tenant that has not started yet. Only its requester or an admin may.
// (Pending approval requests are cancelled by the approvals module, which takes this command over when present.)
import type { Command } from '../core/grammar.js';
import type { Reply } from '../core/types.js';
import { auditActor } from './job.command.js';
import { answer, refusal, type CommandContext } from './types.js';

export async function runCancel(ctx: CommandContext, command: Extract<Command, { name: 'cancel' }>): Promise<Reply[]> {
  const { services, tenant, actor } = ctx;
  const job = await services.queue.getForTenant(tenant.id, command.id);
  if (!job) return [refusal(`There is no job or request "${command.id}" in ${tenant.name}.`)];
  if (job.data.requester.memberId !== actor.memberId && !actor.roles.includes('admin')) {
    return [refusal(`Only the person who asked for ${command.id} or an admin may cancel it.`)];
  }
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') {
    return [refusal(`Job ${command.id} is ${state}; only a job that has not started can be cancelled.`)];
  }
  await services.audit.append({
    tenantId: tenant.id,
    action: 'approval.cancelled',
    actor: auditActor(ctx),
    target: command.id,
    outcome: 'success',
    details: { what: 'job', state },
    correlationId: ctx.correlationId,
  });
  await job.remove();
  return [answer(`Cancelled job ${command.id} (${job.data.kind}); it will not run.`)];
}
