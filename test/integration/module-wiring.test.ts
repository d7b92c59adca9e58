// How modules get the ports they need (bot/wiring.ts): set up after their providers whatever the order of the list,
// the approvals loop bound through one Deferred that refuses a read during set-up, and a build that cannot be wired
// refused at start with a message that names the module, the port and what would provide it.
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { Deferred } from '../../bot/core/needs.js';
import type { VoidModule } from '../../bot/modules.js';
import { InMemoryTickets } from '../helpers/agents.js';
import { trackApps, testConfig } from '../helpers/app.js';
import { approvalsYaml, githubUser, movableHead, say, testProcessors } from '../helpers/approvals.js';
import { providing } from '../helpers/ports.js';

const apps = trackApps(afterEach);

/** Like the JIRA module: provides tickets, and needs approvals, which needs tickets at set-up (so: deferred). */
function ticketDesk(): VoidModule<{ approvals: 'deferred' }> & {
  seen: { duringSetup?: string; later?: Deferred<ApprovalsPort | undefined> };
} {
  const seen: { duringSetup?: string; later?: Deferred<ApprovalsPort | undefined> } = {};
  return {
    name: 'ticket-desk',
    needs: { approvals: 'deferred' },
    provides: ['tickets'],
    seen,
    async setup(_ctx, ports) {
      try {
        ports.approvals.get();
      } catch (error) {
        seen.duringSetup = (error as Error).message;
      }
      seen.later = ports.approvals;
      return { provides: { tickets: new InMemoryTickets() } };
    },
  };
}

/** Needs every port at set-up, and records what it was given. */
function consumer(
  received: Record<string, unknown>,
): VoidModule<{ vcs: 'required'; tickets: 'required'; approvals: 'required' }> {
  return {
    name: 'consumer',
    needs: { vcs: 'required', tickets: 'required', approvals: 'required' },
    async setup(_ctx, ports) {
      Object.assign(received, ports);
      return {};
    },
  };
}

describe('the order of the module list does not matter', () => {
  for (const reversed of [false, true]) {
    it(`providers ${reversed ? 'after' : 'before'} their consumers: the same ports, the same approval`, async () => {
      const head = movableHead('aaa111');
      const desk = ticketDesk();
      const received: Record<string, unknown> = {};
      const modules: VoidModule[] = [
        providing('test-vcs', { vcs: head.port }),
        desk,
        approvalsModule(),
        consumer(received),
        testProcessors([]),
      ];
      const t = await apps.start({
        config: testConfig({ yaml: approvalsYaml() }),
        modules: reversed ? [...modules].reverse() : modules,
      });
      const approvals = t.app.provided('approvals');
      expect(approvals).toBeDefined();
      expect(received).toEqual({ vcs: head.port, tickets: t.app.provided('tickets'), approvals });
      // The loop: a read during set-up is refused with a clear error; after set-up the Deferred is the service.
      expect(desk.seen.duringSetup).toBe(
        'the approvals port was read before every module was set up: ' +
          'read it when a request or job runs, not during set-up',
      );
      expect(desk.seen.later?.get()).toBe(approvals);
      // Approvals was handed the VCS: the request binds to the pull request's head commit.
      const result = await say(t.app, githubUser('alice'), 'review acme/api#42');
      expect(result.replies[0]?.approval?.targetDigest).toBe('sha:aaa111');
    });
  }
});

describe('a build that cannot be wired fails at start', () => {
  const start = (modules: VoidModule[]) => apps.start({ config: testConfig({ yaml: approvalsYaml() }), modules });

  it('a required port no module provides', async () => {
    const needy: VoidModule<{ approvals: 'required' }> = {
      name: 'needy',
      needs: { approvals: 'required' },
      setup: async () => ({}),
    };
    await expect(start([needy, testProcessors([])])).rejects.toThrow(
      'The module "needy" needs the approvals port, but no module of this build provides it ' +
        '(add the approvals module).',
    );
  });

  it('a required port its provider does not provide in this configuration', async () => {
    const needy: VoidModule<{ vcs: 'required' }> = {
      name: 'needy',
      needs: { vcs: 'required' },
      setup: async () => ({}),
    };
    const quiet: VoidModule = { name: 'quiet-vcs', provides: ['vcs'], setup: async () => ({}) };
    await expect(start([needy, quiet])).rejects.toThrow(
      'The module "needy" needs the vcs port, but "quiet-vcs" did not provide it in this configuration ' +
        '(it comes from the GitHub module with its App credentials, or a local git repository).',
    );
  });

  it('modules that need each other at set-up', async () => {
    const a: VoidModule = { name: 'a', needs: { tickets: 'optional' }, provides: ['vcs'], setup: async () => ({}) };
    const b: VoidModule = { name: 'b', needs: { vcs: 'optional' }, provides: ['tickets'], setup: async () => ({}) };
    await expect(start([a, b])).rejects.toThrow(
      `The modules "b" → "a" → "b" need each other's ports at set-up, so none can be set up first; make one of those ` +
        "needs 'deferred' (read when a request or job runs).",
    );
  });

  it('a port provided without being declared, or by two modules', async () => {
    const head = movableHead('aaa111');
    const sly: VoidModule = { name: 'sly', setup: async () => ({ provides: { vcs: head.port } }) };
    await expect(start([sly])).rejects.toThrow(
      'The module "sly" provided the vcs port without declaring it in "provides"',
    );
    await expect(start([providing('one', { vcs: head.port }), providing('two', { vcs: head.port })])).rejects.toThrow(
      'The modules "one" and "two" both provide the vcs port; a build has one.',
    );
  });
});
