// `review`: context → deterministic checks → model (or offline engine) → one review with line comments.
import type { Processor } from '../worker.js';
import { ContextAgent } from '../context/context.agent.js';
import { reviewPullRequest } from '../code/review.js';
import { modelsOf } from '../llm/models.schema.js';
import { QualityAgent, type Finding } from '../quality/quality.agent.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import { callMeta, requireVcs, withBudgetGuard, type AgentDeps } from './deps.js';

export function reviewProcessor(deps: AgentDeps): Processor {
  return withBudgetGuard(async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'review') throw new Error('review processor got another command');
    const vcs = requireVcs(deps.ports);
    const { tenant } = ctx;
    const settings = modelsOf(tenant);
    const quality = new QualityAgent(settings.policyPacks);
    // Checkpointed: a retry after a failed post does not read the pull request or ask the model again.
    const run = new WorkflowRun(deps.redis, deps.prefix, tenant.id, ctx.jobId, 2, (step, f) => ctx.progress(step, f));
    const { outcome, headSha } = await run.step(1, 'review the change', async () => {
      let findings: Finding[] = [];
      const context = await new ContextAgent(vcs, deps.ports.tickets).forPullRequest(tenant.id, command.repo, command.number, {
        budgetTokens: settings.contextTokens,
        projectKeys: tenant.bindings.jira?.projectKeys ?? [],
        flagged: (files) => {
          findings = quality.analyse(files);
          return new Set(findings.map((f) => f.path));
        },
      });
      await ctx.progress(`${findings.length} finding(s) from the checks; reviewing the diff`, 0.4);
      return { outcome: await reviewPullRequest(deps.router, tenant, context, findings, callMeta(ctx)), headSha: context.pr.headSha };
    });
    const posted = await run.step(2, 'post the review', () =>
      vcs.postReview(tenant.id, command.repo, command.number, {
        commitSha: headSha,
        summary: outcome.body,
        verdict: outcome.verdict,
        comments: outcome.comments,
        marker: `void:review:${ctx.jobId}`,
      }),
    );
    const ref = `${command.repo.owner}/${command.repo.name}#${command.number}`;
    const how = outcome.model ? `model ${outcome.model.provider}` : 'no model used, offline rules only';
    const verdict = outcome.verdict === 'request_changes' ? 'changes requested' : 'commented';
    return { summary: `${ref} reviewed: ${verdict}, ${outcome.findings.length} finding(s) (${how})`, link: posted.url };
  });
}
