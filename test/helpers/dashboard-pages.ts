// Set-up shared by the dashboard page tests (dashboard-pages*.test.ts): before each test a Void process with the
// dashboard, a deploy processor that reports progress and then waits for the test (`release()`; the "critical"
// environment fails for good), and a recording of every chat thread; after it, the deploy is released and Void stops.
import { afterEach, beforeEach } from 'vitest';
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import type { VoidModule } from '../../bot/modules.js';
import type { AuditRecord } from '../../audit/types.js';
import { consoleUser, recordThreads, say, type RecordingChat } from './approvals.js';
import { startDashboardApp, type DashboardApp } from './dashboard.js';

export function useDashboardPagesApp() {
  const s = {
    t: undefined as unknown as DashboardApp,
    chat: undefined as unknown as RecordingChat,
    release: (() => undefined) as () => void,
    /** The tenant's audit trail so far. */
    trail(tenant = 'acme'): Promise<AuditRecord[]> {
      return s.t.app.audit.store.range(tenant, 1, 100_000);
    },
    /** Asks for a deploy that needs approval; resolves the approval request's id. */
    async requestDeploy(env = 'production', who = consoleUser('alice'), ref = 'v1.4.2'): Promise<string> {
      const result = await say(s.t.app, who, `deploy payments to ${env} at ${ref}`);
      const id = result.replies[0]?.approval?.id;
      if (!id) throw new Error(result.replies.map((r) => r.text).join('\n'));
      return id;
    },
  };
  const slowDeploy: VoidModule = {
    name: 'test-slow-deploy',
    async setup() {
      const deploy: Processor = async (ctx) => {
        if (ctx.data.command.name === 'deploy' && ctx.data.command.environment === 'critical')
          throw new Error('the cluster refused the rollout');
        await ctx.progress('building the image', 0.4);
        await new Promise<void>((resolve) => {
          s.release = resolve;
        });
        return { summary: 'deployed' };
      };
      return { kinds: ['deploy'] as JobKind[], processors: () => new Map<JobKind, Processor>([['deploy', deploy]]) };
    },
  };
  beforeEach(async () => {
    s.t = await startDashboardApp({ modules: [slowDeploy], env: { VOID_JOB_ATTEMPTS: '1' } });
    s.chat = recordThreads(s.t.app);
  });
  afterEach(async () => {
    s.release();
    await s.t.stop();
  });
  return s;
}
