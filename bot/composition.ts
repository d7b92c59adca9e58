// The composition root: the modules of this build and their order. It sits at the top of the import graph:
// only the entry point (bot/cli/main.ts) imports it, so no module can reach the list (or another module) through it.
import type { VoidModule } from './modules.js';
import { createJiraModule } from '../integrations/jira/module.js';
import { jiraVariables } from './config/jira.js';
import { observabilityModule } from './observability.js';
import { githubModule } from '../integrations/github/module.js';
import { auditModule } from '../audit/module.js';
import { slackModule } from './slack/module.js';
import { teamsModule } from './teams/module.js';
import { agentsModule } from '../agents/module.js';
import { approvals } from '../approvals/module.js';
import { dashboard } from './dashboard/module.js';
import { notifications } from '../integrations/notify/module.js';

/** The modules of this build. Their order is that of routes, commands and start; set-up follows the ports each
 *  needs (bot/wiring.ts). */
export async function loadModuleList(): Promise<VoidModule[]> {
  const list: VoidModule[] = [];
  list.push(observabilityModule());
  list.push(githubModule);
  list.push(auditModule);
  list.push(approvals);
  list.push(slackModule);
  list.push(teamsModule);
  list.push(createJiraModule(jiraVariables));
  list.push(agentsModule);
  list.push(dashboard);
  list.push(notifications); // listens to the audit trail
  return list;
}
