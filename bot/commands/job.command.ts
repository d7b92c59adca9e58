// review, implement, triage, deploy and status: each becomes a queued job (or, where policy says so, an approval
// request first). The job id derives from the delivery, so a redelivered event cannot queue a second job.
import { describeCommand } from '../core/grammar.js';
import { jobIdFor, submitJob, type JobCommand, type JobData } from '../core/jobs.js';
import { auditActor, refusal, type CommandContext } from './types.js';
import type { Reply } from '../core/types.js';
import { unboundTicket } from '../../integrations/jira/projects.js';

export async function runJobCommand(ctx: CommandContext, asked: JobCommand): Promise<Reply[]> {
  const { services, tenant, actor } = ctx;
  const kind = asked.name;
  // Bound projects only, before anything reads or writes the ticket (and before any approval is asked for it).
  const unbound = 'ticket' in asked ? unboundTicket(tenant, asked.ticket) : undefined;
  if (unbound) {
    await services.audit.append({
      tenantId: tenant.id,
      action: 'request.rejected',
      actor: auditActor(ctx),
      target: describeCommand(asked),
      outcome: 'denied',
      details: { code: 'jira.project_not_bound' },
      correlationId: ctx.correlationId,
    });
    return [refusal(unbound)];
  }
  if (!services.availableKinds.has(kind)) {
    return [
      refusal(
        `"${kind}" jobs are not available in this deployment yet: no agent for them is installed. Nothing was queued.`,
      ),
    ];
  }
  const request = {
    kind,
    command: asked,
    tenant,
    actor,
    thread: ctx.thread,
    correlationId: ctx.correlationId,
    deliveryId: ctx.deliveryId,
  };
  const gate = services.gate ? await services.gate.gate(request) : { decision: 'run' as const };
  if (gate.decision === 'deny') {
    await services.audit.append({
      tenantId: tenant.id,
      action: 'request.rejected',
      actor: auditActor(ctx),
      target: describeCommand(asked),
      outcome: 'denied',
      details: { code: gate.refusal.code },
      correlationId: ctx.correlationId,
    });
    return [refusal(gate.refusal.message)];
  }
  if (gate.decision === 'hold') return gate.replies;
  const command = gate.command ?? asked;
  const jobId = jobIdFor(kind, tenant.id, actor.platform, ctx.deliveryId);
  const data: JobData = {
    v: 1,
    kind,
    tenantId: tenant.id,
    requester: { memberId: actor.memberId, platform: actor.platform, platformUserId: actor.platformUserId },
    command,
    thread: ctx.thread,
    correlationId: ctx.correlationId,
    deliveryId: ctx.deliveryId,
  };
  // No side effect without its audit record: submitJob appends it first, and a failed append stops the enqueue.
  const { duplicate } = await submitJob(services, {
    jobId,
    data,
    actor: auditActor(ctx),
    details: { kind, command: describeCommand(command) },
    mark: ctx.delivery,
  });
  if (duplicate) return [];
  return [
    {
      text: `🕐 ${describeCommand(command)}: queued as job ${jobId}`,
      key: `job:${jobId}`,
      kind: 'progress',
      opening: true,
    },
  ];
}

export { auditActor } from '../core/commands.js';
