// The neutral command model: what a person can ask Void, whatever the surface. The grammar (grammar.ts) reads it from
// text; describe.ts says it back; policies govern the ActionCommands.
import type { JiraCommand } from './jira.grammar.js';

export interface RepoRef {
  readonly owner: string;
  readonly name: string;
}

/** The commands that become jobs (and that policies govern). */
export type ActionCommand =
  | { name: 'review'; repo: RepoRef; number: number }
  /**
   * A local git ref (`HEAD~1`, a branch): the console's local repository reviews it against its parent / the default
   * branch.
   */
  | { name: 'review'; ref: string }
  | { name: 'implement'; ticket: string; repo?: RepoRef }
  | { name: 'triage'; ticket: string }
  | { name: 'deploy'; service: string; environment: string; ref?: string }
  | { name: 'status'; id?: string };

export const ACTION_NAMES = ['review', 'implement', 'triage', 'deploy', 'status'] as const;

export type Command =
  | { name: 'help'; topic?: string }
  | { name: 'whoami' }
  | { name: 'login' }
  | ActionCommand
  | { name: 'approve'; id: string }
  | { name: 'reject'; id: string; reason?: string }
  | { name: 'cancel'; id: string }
  | { name: 'audit'; sub: 'verify' }
  | { name: 'audit'; sub: 'export'; since?: string }
  | { name: 'policy'; sub: 'explain'; command: ActionCommand; as?: string }
  | { name: 'breakglass'; id: string; reason: string }
  | { name: 'ack'; id?: string }
  | JiraCommand
  | { name: 'notify'; sub: 'show' }
  | { name: 'notify'; sub: 'channel'; channel: 'chat' | 'email' | 'both' | 'digest' }
  | { name: 'notify'; sub: 'quiet'; hours?: string; timezone?: string };

export type CommandName = Command['name'];
