// One command grammar for every surface: chat, PR comments, ticket comments and the console.
// parseCommand never throws: any input string yields either a command or usage help (property-tested).
import { refuse, type Refusal } from './outcome.js';
import { ACTION_NAMES, type ActionCommand, type Command, type CommandName, type RepoRef } from './command.js';
import { parseJira } from './jira.grammar.js';

// The command model is command.ts and saying it back is describe.ts; both stay importable from here.
export { describeCommand } from './describe.js';
export { ACTION_NAMES, type ActionCommand, type Command, type CommandName, type RepoRef } from './command.js';

/** A command, or the grammar's refusal: `command.unparsable`, its params the reason, the usage and the verb. */
export type ParseResult = { ok: true; command: Command } | { ok: false; refusal: Refusal<'command.unparsable'> };

/** What the surface already knows: a PR comment knows its repository and pull request. */
export interface ParseContext {
  readonly repo?: RepoRef;
  readonly pullNumber?: number;
  /**
   * A local Git repository backs this deployment (console demo, VOID_LOCAL_REPO): `review HEAD~1` means a local
   * revision.
   */
  readonly localRevisions?: boolean;
}

export const MAX_COMMAND_LENGTH = 2000;

export const USAGE: Readonly<Record<CommandName, string>> = {
  help: 'help [command]: list the commands, or explain one',
  whoami: 'whoami: show who Void thinks you are, your tenant and your roles',
  login: 'login: get a private, single-use link (valid 5 minutes) that signs you in to the web dashboard',
  review:
    'review <owner>/<repo>#<number> | review <git ref>: review a pull request, or (console, local repository) ' +
    'a commit like HEAD~1 or a branch',
  implement: 'implement <JIRA-KEY> [in <owner>/<repo>]: implement a ticket as a draft pull request',
  triage: 'triage <JIRA-KEY>: suggest type, priority, component and assignee for a ticket',
  deploy: 'deploy <service> [to] <environment> [at <ref>]: deploy a service (usually needs approval)',
  status: 'status [<job or approval id>]: show the queue, or one job or approval',
  approve: 'approve <id>: approve a pending request',
  reject: 'reject <id> [reason]: reject a pending request',
  cancel: 'cancel <id>: cancel a pending request or a queued job',
  audit: 'audit verify | audit export [since <YYYY-MM-DD>]: check or export the audit trail',
  policy: 'policy explain <command ...> [--as <member>]: which approval rule applies and who could approve (dry run)',
  breakglass: 'breakglass <id> <reason>: admins only: force-run a pending request (loud, audited, reviewed)',
  ack: 'ack [<follow-up id>]: compliance officers: list open break-glass follow-ups, or acknowledge one',
  jira:
    'jira create <PROJECT> "<summary>" [type] [priority] [--description "<text>"] | jira show <KEY>: ' +
    'create or show a JIRA ticket',
  notify:
    'notify [chat|email|both|digest] | notify quiet <HH:MM-HH:MM> [time zone] | notify quiet off: how Void reaches you',
};

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const PR_REF = /^([^/\s#]+)\/([^/\s#]+)#(\d{1,9})$/;
const TICKET = /^[A-Za-z][A-Za-z0-9_]{0,9}-\d{1,9}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const GIT_REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
/** A local revision: a branch, tag or commit, optionally with ~N / ^N suffixes (HEAD~1, main^2). Never an option. */
const LOCAL_REV = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}(?:[~^]\d{0,3})*$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

const NO_LOCAL =
  ' (a local revision such as HEAD~1 or a branch can be reviewed only where a local Git repository backs Void: ' +
  'the console without GitHub, or VOID_LOCAL_REPO)';

type Args = readonly string[];
type Parser = (args: Args, ctx: ParseContext) => Command | string;

function parseRepo(text: string | undefined): RepoRef | undefined {
  if (!text) return undefined;
  const [owner, name, extra] = text.split('/');
  if (extra !== undefined || !owner || !name || !OWNER.test(owner) || !REPO.test(name)) return undefined;
  if (name === '.' || name === '..') return undefined;
  return { owner, name };
}

function parseTicket(text: string | undefined): string | undefined {
  return text && TICKET.test(text) ? text.toUpperCase() : undefined;
}

function validDate(text: string): boolean {
  return DATE.test(text) && !Number.isNaN(Date.parse(text));
}

const PARSERS: Readonly<Record<CommandName, Parser>> = {
  help: (args) => {
    if (args.length > 1) return 'help takes at most one word';
    const topic = args[0]?.toLowerCase();
    if (topic !== undefined && !(topic in USAGE)) return `there is no command "${topic.slice(0, 40)}"`;
    return topic ? { name: 'help', topic } : { name: 'help' };
  },
  whoami: (args) => (args.length ? 'whoami takes no arguments' : { name: 'whoami' }),
  login: (args) => (args.length ? 'login takes no arguments' : { name: 'login' }),
  review: (args, ctx) => {
    if (args.length === 0 && ctx.repo && ctx.pullNumber) {
      return { name: 'review', repo: ctx.repo, number: ctx.pullNumber };
    }
    if (args.length !== 1) return 'name one pull request, like acme/api#42';
    const local = args[0] ?? '';
    if (
      ctx.localRevisions &&
      !local.includes('#') &&
      LOCAL_REV.test(local) &&
      !local.includes('..') &&
      !local.endsWith('.lock')
    )
      return { name: 'review', ref: local };
    const match = PR_REF.exec(args[0] ?? '');
    const repo = match ? parseRepo(`${match[1]}/${match[2]}`) : undefined;
    const number = match ? Number(match[3]) : 0;
    if (!repo || number < 1)
      return `"${local.slice(0, 80)}" is not a pull request like acme/api#42${ctx.localRevisions ? '' : NO_LOCAL}`;
    return { name: 'review', repo, number };
  },
  implement: (args) => {
    const ticket = parseTicket(args[0]);
    if (!ticket) return 'name a JIRA ticket, like PAY-123';
    if (args.length === 1) return { name: 'implement', ticket };
    if (args.length !== 3 || args[1]?.toLowerCase() !== 'in')
      return 'the repository comes after "in", like: in acme/api';
    const repo = parseRepo(args[2]);
    if (!repo) return `"${(args[2] ?? '').slice(0, 80)}" is not a repository like acme/api`;
    return { name: 'implement', ticket, repo };
  },
  triage: (args) => {
    const ticket = args.length === 1 ? parseTicket(args[0]) : undefined;
    return ticket ? { name: 'triage', ticket } : 'name one JIRA ticket, like PAY-123';
  },
  deploy: (args) => {
    const rest = [...args];
    const service = rest.shift();
    if (rest[0]?.toLowerCase() === 'to') rest.shift();
    const environment = rest.shift();
    let ref: string | undefined;
    if (rest[0]?.toLowerCase() === 'at') {
      rest.shift();
      ref = rest.shift();
      if (ref === undefined || !GIT_REF.test(ref) || ref.includes('..'))
        return 'after "at" comes a git ref, like v1.4.2 or main';
    }
    if (!service || !environment) return 'name a service and an environment, like: deploy payments to production';
    if (rest.length) return `unexpected "${rest.join(' ').slice(0, 80)}"`;
    if (!NAME.test(service)) return `"${service.slice(0, 80)}" is not a service name`;
    if (!NAME.test(environment)) return `"${environment.slice(0, 80)}" is not an environment name`;
    const command: Command = { name: 'deploy', service: service.toLowerCase(), environment: environment.toLowerCase() };
    return ref ? { ...command, ref } : command;
  },
  status: (args) => {
    if (args.length === 0) return { name: 'status' };
    if (args.length === 1 && ID.test(args[0] ?? '')) return { name: 'status', id: args[0] as string };
    return 'status takes one job or approval id';
  },
  approve: (args) =>
    args.length === 1 && ID.test(args[0] ?? '') ? { name: 'approve', id: args[0] as string } : 'name one request id',
  reject: (args) => {
    const [id, ...reason] = args;
    if (!id || !ID.test(id)) return 'name one request id, then the reason';
    const text = reason.join(' ').trim();
    return text ? { name: 'reject', id, reason: text.slice(0, 500) } : { name: 'reject', id };
  },
  cancel: (args) =>
    args.length === 1 && ID.test(args[0] ?? '')
      ? { name: 'cancel', id: args[0] as string }
      : 'name one request or job id',
  audit: (args) => {
    const sub = args[0]?.toLowerCase();
    if (sub === 'verify' && args.length === 1) return { name: 'audit', sub: 'verify' };
    if (sub === 'export') {
      if (args.length === 1) return { name: 'audit', sub: 'export' };
      if (args.length === 3 && args[1]?.toLowerCase() === 'since' && validDate(args[2] ?? '')) {
        return { name: 'audit', sub: 'export', since: args[2] as string };
      }
      return 'export takes an optional "since <YYYY-MM-DD>"';
    }
    return 'say "audit verify" or "audit export"';
  },
  policy: (args, ctx) => parsePolicy(args, ctx),
  breakglass: (args) => {
    const [id, ...reason] = args;
    if (!id || !ID.test(id)) return 'name one request id, then the reason';
    const text = reason.join(' ').trim();
    return text
      ? { name: 'breakglass', id, reason: text.slice(0, 500) }
      : 'break-glass needs a reason after the request id';
  },
  ack: (args): Command | string => {
    if (args.length === 0) return { name: 'ack' };
    return args.length === 1 && ID.test(args[0] ?? '')
      ? { name: 'ack', id: args[0] as string }
      : 'name one follow-up id';
  },
  jira: (args) => parseJira(args.join(' '), parseTicket),
  notify: (args) => parseNotify(args),
};

const QUIET = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const ZONE = /^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/;

/** notify | notify chat|email|both|digest | notify quiet <HH:MM-HH:MM> [zone] | notify quiet off. */
function parseNotify(args: Args): Command | string {
  const sub = args[0]?.toLowerCase();
  if (sub === undefined) return { name: 'notify', sub: 'show' };
  if (sub === 'chat' || sub === 'email' || sub === 'both' || sub === 'digest')
    return args.length === 1 ? { name: 'notify', sub: 'channel', channel: sub } : `"notify ${sub}" takes nothing more`;
  if (sub !== 'quiet')
    return 'say "notify chat", "notify email", "notify both", "notify digest" or "notify quiet 22:00-07:00"';
  const hours = args[1]?.toLowerCase();
  if (hours === 'off' && args.length === 2) return { name: 'notify', sub: 'quiet' };
  if (!hours || !QUIET.test(hours) || args.length > 3)
    return 'quiet hours look like 22:00-07:00 (24-hour clock), optionally followed by a time zone like Europe/Berlin';
  const zone = args[2];
  if (zone !== undefined && !ZONE.test(zone)) return `"${zone.slice(0, 40)}" is not a time zone like Europe/Berlin`;
  return zone ? { name: 'notify', sub: 'quiet', hours, timezone: zone } : { name: 'notify', sub: 'quiet', hours };
}

const MEMBER = /^(?:[a-z0-9][a-z0-9_-]{0,62}\/)?[a-z0-9][a-z0-9_-]{0,62}$/;

function parsePolicy(args: Args, ctx: ParseContext): Command | string {
  if (args[0]?.toLowerCase() !== 'explain')
    return 'say "policy explain <command>", like: policy explain deploy payments to production';
  const rest = args.slice(1);
  const at = rest.findIndex((w) => w.toLowerCase() === '--as');
  let as: string | undefined;
  if (at >= 0) {
    as = rest[at + 1]?.toLowerCase();
    if (!as || !MEMBER.test(as)) return 'after "--as" comes a member id, like: --as alice';
    rest.splice(at, 2);
  }
  const verb = rest[0]?.toLowerCase();
  if (!verb || !(ACTION_NAMES as readonly string[]).includes(verb))
    return `name the command to explain: one of ${ACTION_NAMES.join(', ')}`;
  const inner = PARSERS[verb as CommandName](rest.slice(1), ctx);
  if (typeof inner === 'string') return inner;
  const command = inner as ActionCommand;
  return as ? { name: 'policy', sub: 'explain', command, as } : { name: 'policy', sub: 'explain', command };
}

/** Strips a leading `/void`, `void`, `@Void` or `<@U123>` so that every surface can pass what the person typed. */
export function stripInvocation(text: string): string {
  return text.replace(/^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>|@void\b|\/void\b|void:)\s*/i, '').trim();
}

export function parseCommand(input: unknown, ctx: ParseContext = {}): ParseResult {
  const unparsable = (error: string, usage = helpText(), commandName?: CommandName): ParseResult => ({
    ok: false,
    refusal: refuse('command.unparsable', { error, usage, ...(commandName ? { commandName } : {}) }),
  });
  if (typeof input !== 'string') return unparsable('a command is text');
  if (input.length > MAX_COMMAND_LENGTH) return unparsable(`a command is at most ${MAX_COMMAND_LENGTH} characters`);
  const words = stripInvocation(input).split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  if (verb === undefined) return unparsable('say what Void should do');
  if (!Object.prototype.hasOwnProperty.call(PARSERS, verb)) return unparsable(`unknown command "${verb.slice(0, 40)}"`);
  const name = verb as CommandName;
  // `jira create` carries free text (a description with line breaks): it reads the raw text after its verb.
  const result =
    name === 'jira'
      ? parseJira(stripInvocation(input).replace(/^\S+/, ''), parseTicket)
      : PARSERS[name](words.slice(1), ctx);
  if (typeof result === 'string') return unparsable(result, `Usage: ${USAGE[name]}`, name);
  return { ok: true, command: result };
}

export function helpText(names: readonly CommandName[] = Object.keys(USAGE) as CommandName[]): string {
  return ['Commands:', ...names.map((name) => `  ${USAGE[name]}`)].join('\n');
}
