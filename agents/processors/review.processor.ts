// `review`: context → deterministic checks → model (or offline engine) → one review with line comments.
import type { Processor } from '../worker.js';
import { ContextAgent } from '../context/context.agent.js';
import { reviewPullRequest } from '../code/review.js';
import { modelsOf } from '../llm/models.schema.js';
import { QualityAgent, type Analysis } from '../quality/quality.agent.js';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { ChangedFile, VcsPort } from '../../bot/core/vcs.port.js';
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
      let analysis: Analysis = { findings: [], coverage: [] };
      const context = await new ContextAgent(vcs, deps.ports.tickets).forPullRequest(tenant.id, command.repo, command.number, {
        budgetTokens: settings.contextTokens,
        projectKeys: tenant.bindings.jira?.projectKeys ?? [],
        flagged: async (files, pr) => {
          analysis = await quality.review(files, await headContents(vcs, tenant.id, command.repo, pr.headSha, files));
          return new Set(analysis.findings.map((f) => f.path));
        },
      });
      await ctx.progress(`${analysis.findings.length} finding(s) from the checks; reviewing the diff`, 0.4);
      return { outcome: await reviewPullRequest(deps.router, tenant, context, analysis, callMeta(ctx)), headSha: context.pr.headSha };
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

const MAX_FILES_READ = 60;
const MAX_FILE_CHARS = 400_000;

/** The changed files at the head commit, for the structural and infrastructure rules (the diff alone when unreadable). */
async function headContents(vcs: VcsPort, tenantId: string, repo: RepoRef, sha: string, files: readonly ChangedFile[]): Promise<Map<string, string>> {
  const wanted = files.filter((f) => f.status !== 'removed' && f.patch).slice(0, MAX_FILES_READ);
  const read = await Promise.all(wanted.map(async (f) => [f.path, await vcs.getFile(tenantId, repo, f.path, sha).catch(() => undefined)] as const));
  return new Map(read.filter((r): r is readonly [string, string] => typeof r[1] === 'string' && r[1].length <= MAX_FILE_CHARS));
}
