// Hands each module the ports it declared (bot/core/needs.ts): sets the modules up in dependency order (providers
// before the consumers that need their ports at set-up), so the order of the module list does not matter; refuses at
// start a build whose required port has no provider, whose needs form a cycle, or whose module provides a port it
// did not declare (or one another module provides too). A `deferred` need gets one set-once Deferred per port, owned
// here and filled once every module is set up: the one place a port is bound late. Also: the modules' run gates as one.
import { VoidError } from './core/errors.js';
import { COLLECTED_PORTS, Deferred, type PortName, type Ports } from './core/needs.js';
import type { RunGate } from './core/jobs.js';
import type { ModuleContribution, VoidModule } from './modules.js';

/** Which module a build needs for each port, for the error that says one is missing. */
const PROVIDER_HINT: Record<PortName, string> = {
  vcs: 'the GitHub module with its App credentials, or a local git repository',
  tickets: 'the JIRA module with a tenant that has JIRA credentials',
  approvals: 'the approvals module',
  pullRequestListeners: 'the JIRA module',
};

type PortValues = { -readonly [K in PortName]?: Ports[K] };

export interface Wired {
  /** Each module's contribution, in the order of the module list (not the set-up order). */
  readonly contributions: readonly ModuleContribution[];
  /** The names of the modules in the order they were set up. */
  readonly setupOrder: readonly string[];
  port<K extends PortName>(name: K): Ports[K] | undefined;
}

/** Sets every module up through `setup`, each after the providers of the ports it needs at set-up. */
export async function wireModules(
  modules: readonly VoidModule[],
  setup: (module: VoidModule, ports: Record<string, unknown>) => Promise<ModuleContribution>,
): Promise<Wired> {
  const order = setupOrder(modules);
  const values: PortValues = {};
  const providedBy = new Map<PortName, string>();
  const deferred = new Map<PortName, Deferred<unknown>>();
  const contributions: ModuleContribution[] = new Array<ModuleContribution>(modules.length);
  for (const index of order) {
    const module = modules[index] as VoidModule;
    const ports: Record<string, unknown> = {};
    for (const [name, kind] of needsOf(module)) {
      if (kind === 'deferred') {
        if (!deferred.has(name)) deferred.set(name, new Deferred(`the ${name} port`));
        ports[name] = deferred.get(name);
        continue;
      }
      if (kind === 'required' && values[name] === undefined)
        throw new VoidError(
          'wiring.port_not_provided',
          `The module "${module.name}" needs the ${name} port, but ${providers(modules, name).join(', ')} ` +
            `did not provide it in this configuration (it comes from ${PROVIDER_HINT[name]}).`,
        );
      ports[name] = values[name];
    }
    const contribution = await setup(module, ports);
    contributions[index] = contribution;
    record(module, contribution, values, providedBy);
  }
  for (const [name, late] of deferred) late.set(values[name]);
  return {
    contributions,
    setupOrder: order.map((i) => (modules[i] as VoidModule).name),
    port: (name) => values[name],
  };
}

function needsOf(module: VoidModule): Array<[PortName, 'required' | 'optional' | 'deferred']> {
  return Object.entries(module.needs ?? {}).filter((e) => e[1] !== undefined) as Array<
    [PortName, 'required' | 'optional' | 'deferred']
  >;
}

function providers(modules: readonly VoidModule[], name: PortName): string[] {
  return modules.filter((m) => m.provides?.includes(name)).map((m) => `"${m.name}"`);
}

/** Keeps what a module provided; refuses a port it did not declare, or a second value of a one-value port. */
function record(
  module: VoidModule,
  contribution: ModuleContribution,
  values: PortValues,
  providedBy: Map<PortName, string>,
): void {
  for (const [name, value] of Object.entries(contribution.provides ?? {}) as Array<[PortName, unknown]>) {
    if (value === undefined) continue;
    if (!module.provides?.includes(name))
      throw new VoidError(
        'wiring.undeclared_port',
        `The module "${module.name}" provided the ${name} port without declaring it in "provides", so modules ` +
          'that need it could have been set up before it.',
      );
    if (COLLECTED_PORTS.has(name)) {
      const list = (values[name] ?? []) as readonly unknown[];
      (values as Record<string, unknown>)[name] = [...list, ...(value as readonly unknown[])];
      continue;
    }
    const other = providedBy.get(name);
    if (other)
      throw new VoidError(
        'wiring.two_providers',
        `The modules "${other}" and "${module.name}" both provide the ${name} port; a build has one.`,
      );
    providedBy.set(name, module.name);
    (values as Record<string, unknown>)[name] = value;
  }
}

/**
 * The indexes of `modules` in set-up order: a module after every provider of a port it needs at set-up (required
 * or optional), otherwise in list order. Refuses a required port no module provides, and a cycle.
 */
export function setupOrder(modules: readonly VoidModule[]): number[] {
  const before = modules.map(() => new Set<number>());
  modules.forEach((module, index) => {
    for (const [name, kind] of needsOf(module)) {
      const from = modules.flatMap((m, i) => (m.provides?.includes(name) ? [i] : []));
      if (kind === 'required' && from.length === 0)
        throw new VoidError(
          'wiring.no_provider',
          `The module "${module.name}" needs the ${name} port, but no module of this build provides it ` +
            `(add ${PROVIDER_HINT[name]}).`,
        );
      if (kind !== 'deferred') for (const i of from) (before[index] as Set<number>).add(i);
    }
  });
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < modules.length) {
    const next = modules.findIndex((_, i) => !done.has(i) && [...(before[i] as Set<number>)].every((p) => done.has(p)));
    if (next < 0) throw cycleError(modules, before, done);
    order.push(next);
    done.add(next);
  }
  return order;
}

/** Names one cycle among the modules left: each of them waits for a provider that is still left. */
function cycleError(modules: readonly VoidModule[], before: ReadonlyArray<Set<number>>, done: Set<number>): VoidError {
  let at = modules.findIndex((_, i) => !done.has(i));
  const path: number[] = [];
  while (!path.includes(at)) {
    path.push(at);
    at = [...(before[at] as Set<number>)].find((p) => !done.has(p)) as number;
  }
  const loop = path.slice(path.indexOf(at)).reverse();
  const cycle = [...loop, loop[0] as number].map((i) => `"${(modules[i] as VoidModule).name}"`);
  return new VoidError(
    'wiring.cycle',
    `The modules ${cycle.join(' → ')} need each other's ports at set-up, so none can be set up first; ` +
      "make one of those needs 'deferred' (read when a request or job runs).",
  );
}

/** The run gates the modules contribute, as one: asked in module order, the first refusal wins. */
export function firstRefusal(gates: ReadonlyArray<RunGate | undefined>): RunGate | undefined {
  const all = gates.filter((g): g is RunGate => Boolean(g));
  if (!all.length) return undefined;
  return async (data, tenant) => {
    for (const gate of all) {
      const refusal = await gate(data, tenant);
      if (refusal) return refusal;
    }
    return undefined;
  };
}

/** Modules finish their background work (replies after an ack, …) within what is left of the grace period. */
export async function closeModules(
  contributions: readonly ModuleContribution[],
  deadline: number,
  log: { warn(obj: object, msg: string): void },
): Promise<void> {
  for (const c of contributions) {
    if (!c.close) continue;
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(100, deadline - Date.now());
    const closed = c.close().then(
      () => false,
      () => false,
    );
    const timedOut = await Promise.race([
      closed,
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left))),
    ]);
    clearTimeout(timer);
    if (timedOut)
      log.warn({ waitedMs: left }, 'a module did not finish its background work within the shutdown grace period');
  }
}
