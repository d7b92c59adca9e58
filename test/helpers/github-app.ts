// A Void process with the GitHub module, for GitHub tests: signed webhooks in, GitHub REST API intercepted.
import { QueueEvents } from 'bullmq';
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import type { Role, VoidAppOptions } from '../../bot/app.js';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { PullRequestEvent, VcsPort } from '../../bot/core/vcs.port.js';
import type { Logger } from '../../bot/logger.js';
import type { ModuleContext, VoidModule } from '../../bot/modules.js';
import { createGithubModule, type GithubModule } from '../../integrations/github/module.js';
import { REDIS_URL, startTestApp, testConfig, type TestApp } from './app.js';
import { FAST_TUNING, githubEnv } from './github.js';
import { providing } from './ports.js';

export const GITHUB_TENANTS = `
version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
    members:
      - { id: alice, name: Alice Developer, roles: [developer], identities: { github: [alice, alice-ci-bot] } }
      - { id: bob, name: Bob Lead, roles: [developer, tech_lead], identities: { github: bob } }
      - { id: erin, name: Erin Admin, roles: [admin, devops], identities: { github: erin } }
      - { id: reviewer, name: Review Service, roles: [developer], identities: { github: void-reviewer } }
    policies: { default: deny, rules: [] }
    github:
      autoReview:
        - repos: [acme/api, acme/payments-*]
          as: void-reviewer
        - repos: [acme/docs]
          events: [opened]
          skipDrafts: false
      plainIssueComments: reply
  - id: globex
    name: Globex Health
    bindings:
      github: { org: globex, installationId: 2002 }
    members:
      - { id: gina, name: Gina Globex, roles: [developer, admin], identities: { github: gina } }
    policies: { default: deny, rules: [] }
`;

export interface GithubTestApp extends TestApp {
  readonly github: GithubModule;
  readonly events: PullRequestEvent[];
}

/** Makes job kinds available with test processors (the agents' own processors are tested by their owners). */
export function processorsModule(processors: Partial<Record<JobKind, ProcessorFactory>>): VoidModule {
  return {
    name: 'test-processors',
    needs: { vcs: 'optional' },
    async setup(ctx, { vcs }) {
      const kinds = Object.keys(processors) as JobKind[];
      return {
        kinds,
        processors: () => new Map(kinds.map((k) => [k, (processors[k] as ProcessorFactory)(ctx, { vcs })])),
      };
    },
  };
}

/** Builds a test processor from the module context and the VCS (the GitHub module's, when it has credentials). */
type ProcessorFactory = (ctx: ModuleContext, ports: { vcs?: VcsPort | undefined }) => Processor;

/** Registers an approvals port (a module of the test) and a pull request listener that records events. */
function portsModule(approvals: ApprovalsPort | undefined, events: PullRequestEvent[]): VoidModule {
  return providing('test-ports', { approvals, pullRequestListeners: [async (e) => void events.push(e)] });
}

export async function startGithubApp(
  options: {
    role?: Role;
    yaml?: string;
    env?: Record<string, string>;
    modules?: VoidModule[];
    approvals?: ApprovalsPort;
    log?: Logger;
    tuning?: typeof FAST_TUNING;
    app?: Partial<VoidAppOptions>;
  } = {},
): Promise<GithubTestApp> {
  const github = createGithubModule({ tuning: options.tuning ?? FAST_TUNING });
  const events: PullRequestEvent[] = [];
  const t = await startTestApp({
    role: options.role ?? 'web',
    // What follows each ack runs here too, so that the tests see the comment commands handled without job workers.
    app: { intakeWorker: true, ...options.app },
    config: testConfig({ yaml: options.yaml ?? GITHUB_TENANTS, env: githubEnv(options.env) }),
    modules: [github, portsModule(options.approvals, events), ...(options.modules ?? [])],
    ...(options.log ? { log: options.log } : {}),
  });
  return { ...t, github, events };
}

/**
 * Waits for the only job of the test to finish (BullMQ's own events, no polling); then for the answers to be posted.
 */
export async function onlyJobFinished(t: GithubTestApp): Promise<{ id: string; state: 'completed' | 'failed' }> {
  await t.github.idle();
  const [job] = await t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  if (!job?.id) throw new Error('no job was queued');
  const events = new QueueEvents(t.app.queue.name, { connection: { url: REDIS_URL }, prefix: t.prefix });
  try {
    const state = await job.waitUntilFinished(events, 15_000).then(
      () => 'completed' as const,
      () => 'failed' as const,
    );
    await t.github.idle();
    return { id: job.id, state };
  } finally {
    await events.close();
  }
}
