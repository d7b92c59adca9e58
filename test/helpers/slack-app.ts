// A Void process with the Slack module and the fake Slack Web API, for Slack integration and e2e tests.
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import type { Role, VoidAppOptions } from '../../bot/app.js';
import type { VoidModule } from '../../bot/modules.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from './app.js';
import { FakeSlackApi, slackEnv } from './slack.js';

/** A review "agent" for tests: reports one step and returns a link, as a real processor would. */
export const reviewTestModule: VoidModule = {
  name: 'test-review',
  async setup() {
    const review: Processor = async (ctx) => {
      await ctx.progress('reading the diff', 0.5);
      return { summary: 'no blocking findings', link: 'https://github.com/acme/api/pull/42#pullrequestreview-1' };
    };
    return {
      kinds: ['review', 'deploy'] as JobKind[],
      processors: () =>
        new Map<JobKind, Processor>([
          ['review', review],
          ['deploy', review],
        ]),
    };
  },
};

export interface SlackTestApp extends TestApp {
  readonly fake: FakeSlackApi;
  readonly logLines: string[];
  /** Resolves once the Slack work after every ack so far is done: assert on "nothing new" only after it. */
  settled(): Promise<void>;
}

/** `before`: modules listed before Slack (e.g. a provider of the approvals port); `after`: the rest. */
export async function startSlackApp(
  options: {
    env?: Record<string, string>;
    yaml?: string;
    before?: VoidModule[];
    after?: VoidModule[];
    role?: Role;
    app?: Partial<VoidAppOptions>;
  } = {},
): Promise<SlackTestApp> {
  const slack = createSlackModule();
  const fake = await new FakeSlackApi().start();
  const config = testConfig({
    env: { ...slackEnv(fake), LOG_LEVEL: 'debug', ...options.env },
    ...(options.yaml ? { yaml: options.yaml } : {}),
  });
  const { log, lines } = captureAppLogger(config);
  const app = await startTestApp({
    config,
    log,
    modules: [...(options.before ?? []), slack, ...(options.after ?? [reviewTestModule])],
    ...(options.role ? { role: options.role } : {}),
    ...(options.app ? { app: options.app } : {}),
  });
  return {
    ...app,
    fake,
    logLines: lines,
    settled: () => slack.settled(),
    stop: async () => {
      await app.stop();
      await fake.stop();
    },
  };
}
