// The App Home tab: the viewer's pending approvals (those they may decide) and their recent jobs.
import type { JobQueue } from '../../agents/queue.js';
import type { ApprovalsPort } from '../core/approvals.port.js';
import type { TenantRegistry } from '../core/registry.js';
import type { Logger } from '../logger.js';
import type { SlackAuth } from './auth.js';
import type { SlackBody } from './body.js';
import { originOf, workspaceIdFor } from './mapper.js';
import { homeView, refusalHomeView } from './views.js';

export interface HomeDeps {
  readonly registry: TenantRegistry;
  readonly approvals: () => ApprovalsPort | undefined;
  readonly queue: JobQueue;
  readonly auth: SlackAuth;
  readonly log: Logger;
}

export async function publishHome(deps: HomeDeps, body: SlackBody, event: SlackBody): Promise<void> {
  if (event.tab !== undefined && event.tab !== 'home') return;
  const origin = originOf(body);
  if (!origin) return;
  const auth = await deps.auth.forTeam(origin.teamId, origin.enterpriseId);
  if (!auth) return;
  const resolution = deps.registry.resolve('slack', workspaceIdFor(deps.registry, origin), origin.userId);
  let view: SlackBody;
  if (!resolution.ok) view = refusalHomeView(resolution.refusal.message);
  else {
    const { tenant, actor } = resolution;
    const approvals = deps.approvals();
    const pending = approvals ? await approvals.pendingFor(tenant.id, actor.memberId) : [];
    const jobs = (await deps.queue.recent(tenant.id, 100))
      .filter((job) => job.requester === actor.memberId)
      .slice(0, 10);
    view = homeView({ name: actor.name, tenant: tenant.name, pending, jobs, approvalsEnabled: Boolean(approvals) });
  }
  await deps.auth.client(auth.botToken).views.publish({ user_id: origin.userId, view: view as never });
}
