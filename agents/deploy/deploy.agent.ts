// DeploymentAgent: runs an approved deploy through the GitHub Deployments API (the repository's CI picks up the
// deployment event), then follows the deployment's status until it finishes or the follow window closes.
import { UnrecoverableError } from 'bullmq';
import type { RepoRef } from '../../bot/core/grammar.js';
import type { Tenant } from '../../bot/core/types.js';
import type { VcsPort } from '../../bot/core/vcs.port.js';
import { deployRepoOf } from '../../bot/core/deploy-target.js';

export const TERMINAL_STATES = new Set(['success', 'failure', 'error', 'inactive']);

/** The repository of a service: `models.services.<service>.repo`, else the tenant's GitHub org / service name. */
export function repoForService(tenant: Tenant, service: string): RepoRef {
  const repo = deployRepoOf(tenant, service);
  if (!repo)
    throw new UnrecoverableError(
      `deploy.unknown_service: no repository is configured for service "${service}" and the tenant has no GitHub org`,
    );
  return repo;
}

export interface FollowOptions {
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly onState?: (state: string) => Promise<void>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Polls until a terminal state; resolves the last state seen ('timeout' when the window closed first). */
export async function followDeployment(
  vcs: VcsPort,
  tenantId: string,
  repo: RepoRef,
  id: number,
  options: FollowOptions,
): Promise<string> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const state = (await vcs.getDeploymentStatus(tenantId, repo, id)) ?? 'pending';
    if (state !== last) await options.onState?.(state);
    last = state;
    if (TERMINAL_STATES.has(state)) return state;
    if (Date.now() + options.pollMs > deadline) return 'timeout';
    await sleep(options.pollMs);
  }
}
