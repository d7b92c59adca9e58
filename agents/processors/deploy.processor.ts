// `deploy`: create the GitHub deployment (once, even when retried), follow its status, report it.
import { UnrecoverableError } from 'bullmq';
import type { Processor } from '../worker.js';
import { followDeployment, repoForService, TERMINAL_STATES } from '../deploy/deploy.agent.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import { requireVcs, type AgentDeps } from './deps.js';

export function deployProcessor(deps: AgentDeps): Processor {
  return async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'deploy') throw new Error('deploy processor got another command');
    const vcs = requireVcs(deps.ports);
    const { tenant } = ctx;
    const repo = repoForService(tenant, command.service);
    const where = `${command.service} to ${command.environment}`;
    const run = new WorkflowRun(deps.redis, deps.prefix, tenant.id, ctx.jobId, 2, (step, f) => ctx.progress(step, f));
    const created = await run.step(1, 'create deployment', async () => {
      // An approved deploy runs exactly the commit that was approved (resolved when it was requested), never what
      // the ref points at now. Required status checks are honoured unless the approval's rule waived them.
      const pinned = ctx.data.commitSha;
      const ref = pinned ?? command.ref ?? (await vcs.getDefaultBranch(tenant.id, repo));
      const waived = Boolean(ctx.data.waiveStatusChecks);
      const deployment = await vcs.createDeployment(tenant.id, repo, {
        ref,
        environment: command.environment,
        description: `Void: deploy ${where}${pinned ? ` at ${pinned.slice(0, 7)}` : ''} (job ${ctx.jobId})`,
        marker: `void:deploy:${ctx.jobId}`,
        ...(waived ? { waiveStatusChecks: true } : {}),
      });
      const named =
        command.ref && command.ref !== pinned ? `${command.ref} @ ` : command.ref ? '' : 'default branch @ ';
      return { ...deployment, ref: pinned ? `${named}${pinned.slice(0, 7)}` : ref };
    });
    await ctx.progress(`following deployment ${created.id} of ${created.ref}`, 0.5);
    const state = await followDeployment(vcs, tenant.id, repo, created.id, {
      pollMs: deps.deployPollMs ?? 10_000,
      timeoutMs: deps.deployTimeoutMs ?? 15 * 60_000,
      // A final state is the result's to tell ("done" or "failed"), not a progress line just before it.
      onState: async (s) =>
        TERMINAL_STATES.has(s) ? undefined : ctx.progress(`deployment ${created.id}: ${s.replace(/_/g, ' ')}`, 0.6),
    });
    if (state === 'failure' || state === 'error') {
      throw new UnrecoverableError(
        `deploy.failed: deployment ${created.id} of ${where} (${created.ref}) ended in ${state}: ${created.url}`,
      );
    }
    if (state === 'timeout')
      return {
        summary:
          `${where} (${created.ref}): deployment ${created.id} still running when Void stopped following it; ` +
          `follow it on GitHub`,
        link: created.url,
      };
    return { summary: `${where} (${created.ref}): deployment ${created.id} ${state}`, link: created.url };
  };
}
