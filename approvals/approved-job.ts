// The job of an approved request, queued exactly once: the job id derives from the request id, and it carries what
// was approved (the pinned commit, the digest, the write paths) so that the run gate can check it again.
import { jobIdForApproval, submitJob, type JobData } from '../bot/core/jobs.js';
import type { AuditActor } from '../audit/types.js';
import type { ApprovalDeps } from './deps.js';
import type { ApprovalRecord } from './store.js';

/** Queues the job of an approved request (audit record first) and marks the request queued; returns the job id. */
export async function enqueueApproved(deps: ApprovalDeps, rec: ApprovalRecord, actor: AuditActor): Promise<string> {
  const jobId = jobIdForApproval(rec.kind, rec.tenantId, rec.id);
  const b = rec.binding;
  const data: JobData = {
    v: 1,
    kind: rec.kind,
    tenantId: rec.tenantId,
    requester: {
      memberId: rec.requester.memberId,
      platform: rec.requester.platform,
      platformUserId: rec.requester.platformUserId,
    },
    command: rec.command,
    thread: rec.thread,
    correlationId: rec.correlationId,
    deliveryId: rec.deliveryId,
    approvalId: rec.id,
    ...(rec.targetDigest ? { targetDigest: rec.targetDigest } : {}),
    ...(b?.sha && rec.kind === 'deploy' ? { commitSha: b.sha } : {}),
    ...(b?.waiveStatusChecks && rec.kind === 'deploy' ? { waiveStatusChecks: true } : {}),
    ...(b?.writePaths && rec.kind === 'implement' ? { writePaths: [...b.writePaths] } : {}),
  };
  await submitJob(deps, { jobId, data, actor, details: { kind: rec.kind, approvalId: rec.id } });
  await deps.store.markQueued(rec.tenantId, rec.id, jobId);
  return jobId;
}
