// `implement`: a workflow of checkpointed steps: context → code → quality → commit → draft PR → ticket comment.
// Killed at any point and run again, it skips the finished steps: one commit, one pull request, one comment.
import { UnrecoverableError } from 'bullmq';
import type { Processor } from '../worker.js';
import { ContextAgent } from '../context/context.agent.js';
import type { ChangeSet } from '../code/implement.js';
import { branchFor, GitAgent } from '../git/git.agent.js';
import { modelsOf } from '../llm/models.schema.js';
import type { Finding } from '../quality/quality.agent.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import { requireTickets, requireVcs, withBudgetGuard, type AgentDeps } from './deps.js';
import { implementLocally } from './implement-local.js';
import { writeAndCheck } from './implement-steps.js';

export const IMPLEMENT_STEPS = ['context', 'code', 'quality', 'commit', 'pull request', 'ticket comment'] as const;

export function implementProcessor(deps: AgentDeps): Processor {
  return withBudgetGuard(async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'implement') throw new Error('implement processor got another command');
    const vcs = requireVcs(deps.ports);
    if (vcs.local) return implementLocally(deps, ctx, vcs);
    if (!command.repo)
      throw new UnrecoverableError(
        `implement.no_repo: say which repository, e.g. "implement ${command.ticket} in acme/payments"`,
      );
    const repo = command.repo;
    const tickets = requireTickets(deps.ports);
    const { tenant } = ctx;
    const run = new WorkflowRun(deps.redis, deps.prefix, tenant.id, ctx.jobId, IMPLEMENT_STEPS.length, (step, f) =>
      ctx.progress(step, f),
    );
    const marker = `void:implement:${ctx.jobId}`;
    const git = new GitAgent(vcs, tenant.id, repo);
    const gathered = await run.step(1, 'context', async () => {
      const ticket = await tickets.getTicket(tenant.id, command.ticket);
      const base = await vcs.getDefaultBranch(tenant.id, repo);
      const conventions = await new ContextAgent(vcs, tickets).conventions(
        tenant.id,
        repo,
        base,
        Math.floor(modelsOf(tenant).contextTokens / 4),
      );
      return { ticket, conventions };
    });
    const { change, findings } = await writeAndCheck(deps, ctx, run, tenant, gathered);
    const branch = branchFor(gathered.ticket.key);
    const commit = await run.step(4, 'commit', async () => {
      const base = await git.prepareBranch(branch);
      const sha = await git.commit(branch, `${gathered.ticket.key}: ${change.title}`, change.files, marker);
      return { base, sha };
    });
    const pr = await run.step(5, 'pull request', () =>
      git.openDraft({
        branch,
        base: commit.base,
        title: change.title,
        body: prBody(gathered.ticket.url, gathered.ticket.key, change, findings, marker),
      }),
    );
    await run.step(6, 'ticket comment', () =>
      tickets.upsertComment(
        tenant.id,
        gathered.ticket.key,
        `Void opened a draft pull request for this ticket: ${pr.url}`,
        marker,
      ),
    );
    const how = change.model ? `model ${change.model.provider}` : 'no model used: a plan document only';
    return { summary: `${gathered.ticket.key}: draft pull request #${pr.number} on ${branch} (${how})`, link: pr.url };
  });
}

function prBody(
  ticketUrl: string,
  key: string,
  change: ChangeSet,
  findings: readonly Finding[],
  marker: string,
): string {
  const lines = [`Implements [${key}](${ticketUrl}).`, '', '## Plan', ...change.plan.map((p) => `- ${p}`)];
  if (findings.length)
    lines.push(
      '',
      `## Checks: ${findings.length} finding(s)`,
      ...findings.map((f) => `- ${f.severity} \`${f.path}:${f.line}\` ${f.ruleId}: ${f.message}`),
    );
  if (change.refused.length)
    lines.push(
      '',
      `Void refused to write: ${change.refused.join(', ')} (outside the folders the policy lets an agent write, ` +
        `or CI/build configuration: such a change needs a person and its own approval rule)`,
    );
  lines.push(
    '',
    change.model
      ? `_Generated with model ${change.model.provider} (${change.model.model}); a person must review it._`
      : '_No model was used: this is a plan for a person to implement._',
    '',
    `<!-- ${marker} -->`,
  );
  return lines.join('\n');
}
