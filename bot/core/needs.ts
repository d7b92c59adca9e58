// The ports that modules provide to each other, and how a module says which it needs. A provider returns what it
// provides from its set-up (`ModuleContribution.provides`); the application (bot/wiring.ts) sets the modules up in
// dependency order and hands each consumer exactly the ports it declared, so the order of the module list does not
// matter and a build that lacks a required provider, or whose needs form a cycle, fails at start with a clear error.
// Where two modules need each other (JIRA and GitHub need approvals, approvals needs their VCS and tickets), one side
// takes a `deferred` need: a set-once Deferred that the application fills once every module is set up.
import type { ApprovalsPort } from './approvals.port.js';
import { VoidError } from './errors.js';
import type { TicketPort } from './ticket.port.js';
import type { PullRequestListener, VcsPort } from './vcs.port.js';

/** Every port a module can provide, by name. */
export interface Ports {
  readonly vcs: VcsPort;
  readonly tickets: TicketPort;
  readonly approvals: ApprovalsPort;
  /** Called by the GitHub integration for every pull request lifecycle event (JIRA listens); every provider adds. */
  readonly pullRequestListeners: readonly PullRequestListener[];
}

export type PortName = keyof Ports;

/** Ports that several modules may provide, their values concatenated; any other port has at most one value. */
export const COLLECTED_PORTS: ReadonlySet<PortName> = new Set<PortName>(['pullRequestListeners']);

/**
 * `required`: the port's value at set-up; the build fails at start without it.
 * `optional`: the port's value at set-up, or undefined when no module of the build provides it.
 * `deferred`: a Deferred read at use time (not during set-up); does not order the set-up, so it breaks a cycle.
 */
export type NeedKind = 'required' | 'optional' | 'deferred';

export type PortNeeds = { readonly [K in PortName]?: NeedKind };

/** What a module's set-up receives for its declared needs. */
export type NeededPorts<N extends PortNeeds> = {
  readonly [K in keyof N]: K extends PortName
    ? N[K] extends 'required'
      ? Ports[K]
      : N[K] extends 'deferred'
        ? Deferred<Ports[K] | undefined>
        : Ports[K] | undefined
    : never;
};

/** What a provider's set-up returns: a value for some of the ports it declared in `provides`. */
export type ProvidedPorts = { readonly [K in PortName]?: Ports[K] | undefined };

/** A value set exactly once, later than it is handed out; reading it before then is a wiring mistake. */
export class Deferred<T> {
  private state: { readonly set: false } | { readonly set: true; readonly value: T } = { set: false };

  /** `what` names the value in the error a read too early throws (e.g. "the approvals port"). */
  constructor(private readonly what: string) {}

  get(): T {
    if (!this.state.set)
      throw new VoidError(
        'wiring.deferred_unset',
        `${this.what} was read before every module was set up: read it when a request or job runs, not during set-up`,
      );
    return this.state.value;
  }

  set(value: T): void {
    if (this.state.set) throw new VoidError('wiring.deferred_twice', `${this.what} was set twice`);
    this.state = { set: true, value };
  }

  get isSet(): boolean {
    return this.state.set;
  }
}
