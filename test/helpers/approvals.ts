// Approvals test helpers: a tenants file with enough approvers to race, a chat port that records what each thread
// is told (registered over the platform adapters of a real Void process), a test module with deploy/review
// processors, and a dispatcher shortcut that sends a command as a person on a platform.
import { randomUUID } from 'node:crypto';
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import type { VoidApp } from '../../bot/app.js';
import type { ChatPort } from '../../bot/core/ports.js';
import type { Platform, Reply, ThreadRef } from '../../bot/core/types.js';
import type { PullRequestInfo, VcsPort } from '../../bot/core/vcs.port.js';
import type { DispatchResult } from '../../bot/dispatcher.js';
import type { VoidModule } from '../../bot/modules.js';

export interface Post {
  readonly thread: ThreadRef;
  readonly reply: Reply;
}

export interface RecordingChat extends ChatPort {
  readonly posts: Post[];
  waitFor(test: (post: Post) => boolean, timeoutMs?: number): Promise<Post>;
}

export function recordingChat(): RecordingChat {
  const posts: Post[] = [];
  const waiters: Array<{ test: (p: Post) => boolean; resolve: (p: Post) => void }> = [];
  return {
    posts,
    async post(thread, reply) {
      const entry = { thread, reply };
      posts.push(entry);
      for (const w of [...waiters])
        if (w.test(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
    },
    waitFor(test, timeoutMs = 8000) {
      const seen = posts.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching post within ${timeoutMs} ms; ` +
                  `posts: ${posts.map((p) => p.reply.text.split('\n')[0]).join(' | ')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
  };
}

/** Registers the recorder as every chat platform of the process, so each thread's posts can be awaited. */
export function recordThreads(app: VoidApp): RecordingChat {
  const chat = recordingChat();
  for (const platform of ['console', 'slack', 'github', 'teams', 'jira'] as const) app.chat.register(platform, chat);
  return chat;
}

/** A module with deploy and review processors that record what ran. */
export function testProcessors(ran: string[]): VoidModule {
  const processor: Processor = async (ctx) => {
    ran.push(ctx.jobId);
    return { summary: `${ctx.data.kind} done for ${ctx.data.approvalId ?? 'no approval'}` };
  };
  const kinds: JobKind[] = ['deploy', 'review'];
  return {
    name: 'test-processors',
    setup: async () => ({ kinds, processors: () => new Map(kinds.map((k) => [k, processor])) }),
  };
}

/** A VCS port whose pull request head can be moved by the test (our own port, not a platform imitation). */
export function movableHead(initial: string): { port: VcsPort; move(sha: string): void } {
  let head = initial;
  const unused = async (): Promise<never> => {
    throw new Error('not used by the approvals tests');
  };
  const port: VcsPort = {
    getPullRequest: async (_tenant, repo, number): Promise<PullRequestInfo> => ({
      repo,
      number,
      title: 't',
      body: '',
      author: 'alice',
      headSha: head,
      headRef: 'feature',
      baseRef: 'main',
      draft: false,
      url: `https://github.com/${repo.owner}/${repo.name}/pull/${number}`,
    }),
    listFiles: unused,
    getFile: unused,
    postReview: unused,
    upsertComment: unused,
    getDefaultBranch: unused,
    isProtectedBranch: unused,
    ensureBranch: unused,
    commitFiles: unused,
    openPullRequest: unused,
    createDeployment: unused,
    setDeploymentStatus: unused,
    getDeploymentStatus: unused,
  };
  return {
    port,
    move: (sha) => {
      head = sha;
    },
  };
}

export interface Speaker {
  readonly platform: Platform;
  readonly workspaceId: string;
  readonly userId: string;
}

export const slackUser = (userId: string, team = 'T0ACME001'): Speaker => ({
  platform: 'slack',
  workspaceId: team,
  userId,
});
export const consoleUser = (memberId: string, tenant = 'acme'): Speaker => ({
  platform: 'console',
  workspaceId: tenant,
  userId: memberId,
});
export const githubUser = (login: string, installation = '1001'): Speaker => ({
  platform: 'github',
  workspaceId: installation,
  userId: login,
});

export function threadOf(who: Speaker): ThreadRef {
  return who.platform === 'github'
    ? { platform: 'github', channel: 'acme/api', thread: '42' }
    : { platform: who.platform, channel: `ch-${who.workspaceId}`, thread: 't1' };
}

export function say(
  app: VoidApp,
  who: Speaker,
  text: string,
  thread: ThreadRef = threadOf(who),
): Promise<DispatchResult> {
  return app.dispatcher.dispatch({
    platform: who.platform,
    workspaceId: who.workspaceId,
    platformUserId: who.userId,
    text,
    thread,
    deliveryId: `d-${randomUUID()}`,
  });
}

const approvers = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const id = String(i + 1).padStart(2, '0');
    const role = i % 2 === 0 ? 'tech_lead' : 'devops';
    return `      - { id: appr${id}, name: Approver ${id}, roles: [${role}], identities: { slack: U0APPR${id} } }`;
  }).join('\n');

/** Tenants file for the approvals tests; `demoteBob` removes bob's tech_lead role (a later version of the file). */
// Alice and Bob each on one line of the YAML (tests remove or rewrite a member's line).
const ALICE =
  '{ id: alice, name: Alice Developer, roles: [developer], ' +
  'identities: { slack: U0ALICE01, github: [alice, alice-ci-bot] } }';
const bob = (roles: string) =>
  `{ id: bob, name: Bob Lead, roles: [${roles}], identities: { slack: U0BOB0001, github: bob } }`;

export function approvalsYaml(options: { demoteBob?: boolean } = {}): string {
  return `version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      slack: { teamIds: [T0ACME001] }
      github: { org: acme, installationId: 1001 }
    members:
      - ${ALICE}
      - ${bob(options.demoteBob ? 'developer' : 'developer, tech_lead')}
      - { id: carol, name: Carol Ops, roles: [devops], identities: { slack: U0CAROL01 } }
      - { id: dave, name: Dave Compliance, roles: [compliance_officer], identities: { slack: U0DAVE001 } }
      - { id: erin, name: Erin Admin, roles: [admin, devops], identities: { slack: U0ERIN001 } }
      - { id: frank, name: Frank Dev, roles: [developer], identities: { slack: U0FRANK01 } }
${approvers(20)}
    policies:
      default: deny
      rules:
        - { name: production-deploys, action: deploy, environment: production,
            quorum: 1 tech_lead and 1 devops, ttl: 1h }
        - { name: critical-deploys, action: deploy, environment: critical, quorum: 2 of tech_lead|devops, ttl: 1h }
        - { name: hotfix-window, action: deploy, environment: hotfix, quorum: 1 tech_lead, ttl: 1s }
        - { name: reviews, action: review, quorum: 1 tech_lead, ttl: 1h, voidOnTargetChange: true }
        - { name: status, action: status, quorum: none }
  - id: globex
    name: Globex Health
    bindings:
      slack: { teamIds: [T0GLOBEX1] }
    members:
      - { id: gina, name: Gina Globex, roles: [tech_lead, devops, admin], identities: { slack: U0GINA001 } }
      - { id: gus, name: Gus Globex, roles: [developer], identities: { slack: U0GUS0001 } }
    policies:
      default: deny
      rules:
        - { name: deploys, action: deploy, quorum: 1 tech_lead }
`;
}
