// `review`: context → deterministic checks → model (or offline engine) → one review with line comments.
// A pull request (GitHub) or a local revision (the console's local git repository, `review HEAD~1`).
import { UnrecoverableError } from 'bullmq';
import type { Processor, ProcessorContext } from '../worker.js';
import { ContextAgent } from '../context/context.agent.js';
import { reviewPullRequest } from '../code/review.js';
import { modelsOf } from '../llm/models.schema.js';
import { QualityAgent, type Analysis } from '../quality/quality.agent.js';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { ChangedFile, PullRequestInfo, VcsPort } from '../../bot/core/vcs.port.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import { callMeta, requireVcs, withBudgetGuard, type AgentDeps } from './deps.js';

type ReviewCommand = Extract<ProcessorContext['data']['command'], { name: 'review' }>;

/** Reads the change: a pull request by number, or a local revision through the port's describeRevision. */
async function readChange(
  vcs: VcsPort,
  tenantId: string,
  command: ReviewCommand,
): Promise<{ pr: PullRequestInfo; files: ChangedFile[] }> {
  if ('ref' in command) {
    if (!vcs.describeRevision) {
      throw new UnrecoverableError(
        `review.no_local_repository: "${command.ref}" is a local git revision, but this deployment reviews pull ` +
          `requests only (name one like acme/api#42)`,
      );
    }
    return vcs.describeRevision(tenantId, command.ref);
  }
  const [pr, files] = await Promise.all([
    vcs.getPullRequest(tenantId, command.repo, command.number),
    vcs.listFiles(tenantId, command.repo, command.number),
  ]);
  return { pr, files };
}

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
    const { outcome, pr } = await run.step(1, 'review the change', async () => {
      let analysis: Analysis = { findings: [], coverage: [] };
      const change = await readChange(vcs, tenant.id, command);
      const context = await new ContextAgent(vcs, deps.ports.tickets).forChange(tenant.id, change.pr, change.files, {
        budgetTokens: settings.contextTokens,
        projectKeys: tenant.bindings.jira?.projectKeys ?? [],
        flagged: async (files, head) => {
          analysis = await quality.review(files, await headContents(vcs, tenant.id, head.repo, head.headSha, files));
          return new Set(analysis.findings.map((f) => f.path));
        },
      });
      await ctx.progress(`${analysis.findings.length} finding(s) from the checks; reviewing the diff`, 0.4);
      return {
        outcome: await reviewPullRequest(deps.router, tenant, context, analysis, callMeta(ctx)),
        pr: { repo: context.pr.repo, number: context.pr.number, headSha: context.pr.headSha, title: context.pr.title },
      };
    });
    const posted = await run.step(2, 'post the review', () =>
      vcs.postReview(tenant.id, pr.repo, pr.number, {
        commitSha: pr.headSha,
        summary: outcome.body,
        verdict: outcome.verdict,
        comments: outcome.comments,
        marker: `void:review:${ctx.jobId}`,
      }),
    );
    const ref =
      'ref' in command ? `${command.ref}: ${pr.title}` : `${command.repo.owner}/${command.repo.name}#${command.number}`;
    const how = outcome.model ? `model ${outcome.model.provider}` : 'no model used, offline rules only';
    const verdict = outcome.verdict === 'request_changes' ? 'changes requested' : 'commented';
    const summary = `${ref} reviewed: ${verdict}, ${outcome.findings.length} finding(s) (${how})`;
    // A local review has no page to open: the review itself is the answer.
    const lines = outcome.comments.map((c) => `- ${c.path}:${c.line}: ${c.body}`);
    return 'ref' in command
      ? { summary: [summary, '', outcome.body, ...(lines.length ? ['', ...lines] : [])].join('\n'), link: posted.url }
      : { summary, link: posted.url };
  });
}

const MAX_FILES_READ = 60;
const MAX_FILE_CHARS = 400_000;

/**
 * The changed files at the head commit, for the structural and infrastructure rules (the diff alone when unreadable).
 */
async function headContents(
  vcs: VcsPort,
  tenantId: string,
  repo: RepoRef,
  sha: string,
  files: readonly ChangedFile[],
): Promise<Map<string, string>> {
  const wanted = files.filter((f) => f.status !== 'removed' && f.patch).slice(0, MAX_FILES_READ);
  const read = await Promise.all(
    wanted.map(async (f) => [f.path, await vcs.getFile(tenantId, repo, f.path, sha).catch(() => undefined)] as const),
  );
  return new Map(
    read.filter((r): r is readonly [string, string] => typeof r[1] === 'string' && r[1].length <= MAX_FILE_CHARS),
  );
}
