// A stand-in for the agents module in JIRA tests: a real Void module whose triage and implement processors record
// the job they were given and finish at once (the agents' own logic is tested by the agents engineer).
import type { JobData } from '../../agents/queues.js';
import type { VoidModule } from '../../bot/modules.js';

export function recordingAgents(runs: JobData[]): VoidModule {
  return {
    name: 'test-agents',
    async setup() {
      return {
        kinds: ['triage', 'implement'],
        processors: () =>
          new Map([
            [
              'triage',
              async (ctx) => {
                runs.push(ctx.data);
                const ticket = ctx.data.command.name === 'triage' ? ctx.data.command.ticket : '';
                return { summary: `suggested type Bug for ${ticket}` };
              },
            ],
            [
              'implement',
              async (ctx) => {
                runs.push(ctx.data);
                return { summary: 'draft pull request opened', link: 'https://github.com/acme/payments/pull/7' };
              },
            ],
          ]),
      };
    },
  };
}
