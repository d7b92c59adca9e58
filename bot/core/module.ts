// The part of the module contract that has moved into the kernel so far: the ports one module provides and others
// use. The rest of the contract (VoidModule, ModuleContext) is still in bot/modules.ts (issue 16).
import type { ApprovalsPort } from './approvals.port.js';
import type { TicketPort } from './ticket.port.js';
import type { PullRequestListener, VcsPort } from './vcs.port.js';

/** Ports that one module provides and others use (filled in module order, read lazily at use time). */
export interface SharedPorts {
  vcs?: VcsPort;
  tickets?: TicketPort;
  approvals?: ApprovalsPort;
  /** Called by the GitHub integration for every pull request lifecycle event (JIRA listens). */
  pullRequestListeners?: PullRequestListener[];
}
