// A module of a test that provides ports (what the GitHub, JIRA and approvals modules do in production), declared
// in `provides` so that the modules that need them are set up after it, wherever it sits in the list.
import type { ModuleContribution, PortName, VoidModule } from '../../bot/modules.js';
import type { ProvidedPorts } from '../../bot/core/needs.js';

export function providing(name: string, ports: ProvidedPorts, more: ModuleContribution = {}): VoidModule {
  return {
    name,
    provides: (Object.keys(ports) as PortName[]).filter((k) => ports[k] !== undefined),
    setup: async () => ({ ...more, provides: ports }),
  };
}
