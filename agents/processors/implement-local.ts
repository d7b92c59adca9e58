// `implement` on the local Git repository (the console demo, VOID_LOCAL_REPO): the same context → code → quality
// steps, then one commit on a new branch `void/<ticket>` written beside the checkout (never on the branch checked
// out, never touching the work tree), and no pull request: the answer says how to look at the branch. Without a
// ticket system the ticket is its key alone; with JIRA configured its text is read as usual.
import { UnrecoverableError } from 'bullmq';
import type { TicketInfo, TicketPort } from '../../bot/core/ticket.port.js';
import type { VcsPort } from '../../bot/core/vcs.port.js';
import type { JobResult, ProcessorContext } from '../worker.js';
import { ContextAgent } from '../context/context.agent.js';
import { branchFor, GitAgent } from '../git/git.agent.js';
import { modelsOf } from '../llm/models.schema.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import type { AgentDeps } from './deps.js';
import { writeAndCheck } from './implement-steps.js';

export const LOCAL_IMPLEMENT_STEPS = ['context', 'code', 'quality', 'commit on a local branch'] as const;

function keyOnly(key: string, dir: string): TicketInfo {
  return {
    key,
    summary: 'no ticket text (no ticket system is configured)',
    description:
      `No ticket system is configured: only the key ${key} is known. The change is written in the local ` +
      `repository ${dir}.`,
    type: 'Task',
    status: 'unknown',
    labels: [],
    components: [],
    url: `(no ticket system: ${key})`,
  };
}

export async function implementLocally(
  deps: AgentDeps,
  ctx: ProcessorContext,
  vcs: VcsPort & { local?: { dir: string } },
): Promise<JobResult> {
  const command = ctx.data.command;
  const local = vcs.local;
  if (command.name !== 'implement' || !local)
    throw new Error('implementLocally needs an implement command and a local repository');
  const repo = local.repo;
  if (
    command.repo &&
    `${command.repo.owner}/${command.repo.name}`.toLowerCase() !== `${repo.owner}/${repo.name}`.toLowerCase()
  ) {
    throw new UnrecoverableError(
      `implement.local_repo: this Void works on the local repository ${local.dir} (${repo.owner}/${repo.name}), ` +
        `not ${command.repo.owner}/${command.repo.name}; say "implement ${command.ticket}"`,
    );
  }
  const tickets: TicketPort | undefined = deps.ports.tickets;
  const { tenant } = ctx;
  const run = new WorkflowRun(deps.redis, deps.prefix, tenant.id, ctx.jobId, LOCAL_IMPLEMENT_STEPS.length, (step, f) =>
    ctx.progress(step, f),
  );
  const marker = `void:implement:${ctx.jobId}`;
  const gathered = await run.step(1, 'context', async () => {
    const ticket = tickets ? await tickets.getTicket(tenant.id, command.ticket) : keyOnly(command.ticket, local.dir);
    const base = await vcs.getDefaultBranch(tenant.id, repo);
    const conventions = await new ContextAgent(vcs, tickets as TicketPort).conventions(
      tenant.id,
      repo,
      base,
      Math.floor(modelsOf(tenant).contextTokens / 4),
    );
    return { ticket, conventions };
  });
  const { change } = await writeAndCheck(deps, ctx, run, tenant, gathered);
  const branch = branchFor(gathered.ticket.key);
  const git = new GitAgent(vcs, tenant.id, repo);
  const commit = await run.step(4, 'commit on a local branch', async () => {
    const base = await git.prepareBranch(branch);
    const subject = change.title.startsWith(`${gathered.ticket.key}:`)
      ? change.title
      : `${gathered.ticket.key}: ${change.title}`;
    const sha = await git.commit(branch, subject, change.files, marker);
    return { base, sha };
  });
  const how = change.model ? `model ${change.model.provider}` : 'no model used: a plan document only';
  const refused = change.refused.length
    ? `; refused to write ${change.refused.join(', ')} (outside the folders the policy allows, ` +
      `or CI/build configuration)`
    : '';
  const files = change.files.map((f) => f.path).join(', ');
  return {
    summary:
      `${gathered.ticket.key}: committed ${commit.sha.slice(0, 7)} on the new local branch ${branch} ` +
      `(${files}; ${how})${refused}. Your checkout (${commit.base}) is untouched; look with: ` +
      `git log -p ${commit.base}..${branch}`,
    link: `file://${local.dir}`,
  };
}
