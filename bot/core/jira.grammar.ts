// `jira create <PROJECT> "<summary>" [type] [priority] [--description "<text>"]` and `jira show <KEY>`: the one
// command whose arguments are free text, so it reads the raw text after "jira" (line breaks in a description stay).
/**
 * The two JIRA commands (part of grammar.ts's Command union, defined here so that neither file imports the other's
 * types back).
 */
export type JiraCommand =
  | {
      name: 'jira';
      sub: 'create';
      project: string;
      summary: string;
      type?: string;
      priority?: string;
      description?: string;
    }
  | { name: 'jira'; sub: 'show'; key: string };

const JIRA_PROJECT = /^[A-Za-z][A-Za-z0-9_]{0,9}$/;
const WORD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const QUOTES = '"\u201c\u201d';
const JIRA_CREATE = new RegExp(
  `^create\\s+(\\S+)\\s+[${QUOTES}]([^${QUOTES}]{1,255})[${QUOTES}](?:\\s+(\\S+))?(?:\\s+(\\S+))?$`,
  'i',
);
/**
 * `--description "…"` (straight or curly quotes, may span lines) or `--description` followed by the rest of the text.
 */
const DESCRIPTION = new RegExp(
  `\\s(?:--description|--desc|-d)(?:\\s*=\\s*|\\s+)(?:[${QUOTES}]([^${QUOTES}]*)[${QUOTES}]|([\\s\\S]+))\\s*$`,
  'i',
);
export const MAX_DESCRIPTION = 1500;

const CREATE_USAGE = 'jira create <PROJECT> "<summary>" [type] [priority] [--description "<text>"]';

/** `text` is everything after the word "jira", as typed. Straight or curly quotes (Slack curls them). */
export function parseJira(
  text: string,
  parseTicket: (word: string | undefined) => string | undefined,
): JiraCommand | string {
  const raw = text.trim();
  const words = raw.split(/\s+/).filter(Boolean);
  const sub = words[0]?.toLowerCase();
  if (sub === 'show') {
    const key = words.length === 2 ? parseTicket(words[1]) : undefined;
    return key ? { name: 'jira', sub: 'show', key } : 'name one JIRA ticket, like: jira show PAY-123';
  }
  if (sub !== 'create') return `say: ${CREATE_USAGE}, or: jira show <KEY>`;
  const flag = DESCRIPTION.exec(raw);
  const head = flag ? raw.slice(0, flag.index) : raw;
  const description = flag ? (flag[1] ?? flag[2] ?? '').trim() : undefined;
  if (flag && !description)
    return (
      'the description after --description is empty; put it in quotes, like: --description "Steps: ' +
      'open the login page on Safari 17"'
    );
  if (description && description.length > MAX_DESCRIPTION)
    return (
      `the description is ${description.length} characters; at most ${MAX_DESCRIPTION} fit in a command (add more ` +
      `on the ticket itself)`
    );
  const match = JIRA_CREATE.exec(head.replace(/\s+/g, ' '));
  if (!match)
    return (
      'put the summary in quotes, like: jira create PAY "Login fails on Safari" Bug High --description "Steps to ' +
      'reproduce…"'
    );
  const [, project = '', summary = '', type, priority] = match;
  if (!JIRA_PROJECT.test(project)) return `"${project.slice(0, 20)}" is not a JIRA project key like PAY`;
  if (!summary.trim()) return 'the summary is empty';
  if ((type && !WORD.test(type)) || (priority && !WORD.test(priority)))
    return 'the type and priority are single words, like: Bug High';
  const command: JiraCommand = { name: 'jira', sub: 'create', project: project.toUpperCase(), summary: summary.trim() };
  return {
    ...command,
    ...(type ? { type } : {}),
    ...(priority ? { priority } : {}),
    ...(description ? { description } : {}),
  };
}

/** The text that opens a ticket form (Slack modal, Teams card) instead of being parsed: nothing after "jira create". */
export const OPENS_JIRA_FORM = /^jira\s+create\s*$/i;

export interface JiraFormFields {
  readonly project?: unknown;
  readonly summary?: unknown;
  readonly type?: unknown;
  readonly priority?: unknown;
  readonly description?: unknown;
}

/**
 * A submitted ticket form as the one `jira create` command text, so that a form and a typed command are parsed,
 * checked and audited alike. Quotes in free text would end the quoted fields early: they become ’.
 */
export function jiraCreateText(fields: JiraFormFields): string {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const unquote = (s: string) => s.replace(/["\u201c\u201d]/g, '\u2019').trim();
  const word = (v: unknown) => text(v).trim().split(/\s+/).filter(Boolean).join('-');
  const description = unquote(text(fields.description));
  const priority = word(fields.priority);
  // The grammar's words are positional: a priority without a type needs the default type before it.
  const type = word(fields.type) || (priority ? 'Task' : '');
  const parts = ['jira create', word(fields.project), `"${unquote(text(fields.summary))}"`, type, priority].filter(
    Boolean,
  );
  if (description) parts.push(`--description "${description}"`);
  return parts.join(' ');
}
