// Steps 2 and 3 of every `implement` workflow (on GitHub and on the local repository): the model writes the change
// within the write boundary, the quality agent checks it, and a critical finding stops the job before any commit.
import { UnrecoverableError } from 'bullmq';
import type { Tenant } from '../../bot/core/types.js';
import type { TicketInfo } from '../../bot/core/ticket.port.js';
import type { ProcessorContext } from '../worker.js';
import { asAddedFiles, implementTicket, type ChangeSet } from '../code/implement.js';
import { modelsOf } from '../llm/models.schema.js';
import { QualityAgent, type Finding } from '../quality/quality.agent.js';
import type { WorkflowRun } from '../workflow/checkpoints.js';
import { callMeta, type AgentDeps } from './deps.js';

export async function writeAndCheck(
  deps: AgentDeps,
  ctx: ProcessorContext,
  run: WorkflowRun,
  tenant: Tenant,
  gathered: { ticket: TicketInfo; conventions: Parameters<typeof implementTicket>[3] },
): Promise<{ change: ChangeSet; findings: Finding[] }> {
  const change = await run.step(2, 'code', () =>
    implementTicket(deps.router, tenant, gathered.ticket, gathered.conventions, callMeta(ctx), ctx.data.writePaths),
  );
  const findings = await run.step(3, 'quality', async () =>
    new QualityAgent(modelsOf(tenant).policyPacks).analyse(asAddedFiles(change)),
  );
  const blocking = findings.filter((f) => f.severity === 'critical');
  if (blocking.length)
    throw new UnrecoverableError(
      `implement.blocked: the generated change has ${blocking.length} critical finding(s) ` +
        `(${blocking.map((f) => `${f.ruleId} in ${f.path}`).join(', ')}); nothing was committed`,
    );
  return { change, findings };
}
