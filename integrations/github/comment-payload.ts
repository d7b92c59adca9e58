// The shape of a comment webhook (`issue_comment`, `pull_request_review_comment`), checked on every PR comment on the
// ack path. Written out rather than with zod: the same rules as a zod schema (plain objects, safe integers, the first
// failing field named by its dotted path), checked on the parsed body as it is, without building a copy of it.

/** One value's rule: `check` gives undefined when it passes, else the dotted path of the first failure under it ('' =
 *  itself); `pick` keeps of a value that passed only what the rules name. */
interface Rule {
  check(value: unknown): string | undefined;
  pick(value: unknown): unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const leaf = (check: Rule['check']): Rule => ({ check, pick: (v) => v });

const object = (shape: readonly (readonly [string, Rule])[]): Rule => {
  // Keys and rules in two arrays walked by index: no pair destructured per field, on every comment of the ack path.
  const keys = shape.map(([key]) => key);
  const rules = shape.map(([, rule]) => rule);
  return {
    check: (v) => {
      if (!isObject(v)) return '';
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        const failed = (rules[i] as Rule).check(v[key]);
        if (failed !== undefined) return failed ? `${key}.${failed}` : key;
      }
      return undefined;
    },
    pick: (v) => {
      const out: Record<string, unknown> = {};
      const from = v as Record<string, unknown>;
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        const value = from[key];
        if (value !== undefined) out[key] = (rules[i] as Rule).pick(value);
      }
      return out;
    },
  };
};
const string = (min = 0): Rule => leaf((v) => (typeof v === 'string' && v.length >= min ? undefined : ''));
/** A safe integer of at least `min`. */
const integer = (min = Number.MIN_SAFE_INTEGER): Rule =>
  leaf((v) => (Number.isSafeInteger(v) && (v as number) >= min ? undefined : ''));
const boolean = leaf((v) => (typeof v === 'boolean' ? undefined : ''));
const optional = (rule: Rule): Rule => ({
  check: (v) => (v === undefined ? undefined : rule.check(v)),
  pick: (v) => (v === undefined ? v : rule.pick(v)),
});
const nullable = (rule: Rule): Rule => ({
  check: (v) => (v === null ? undefined : rule.check(v)),
  pick: (v) => (v === null ? v : rule.pick(v)),
});
/** Any value, of which only whether it is there counts (an issue's `pull_request`: the issue is a PR): picked as `{}`
 *  (null stays null), so that a queued comment does not carry GitHub's link objects. */
const presence: Rule = { check: () => undefined, pick: (v) => (v === null ? null : {}) };

const account = object([
  ['login', string(1)],
  ['id', optional(integer(0))],
  ['type', optional(string())],
]);
const installation = object([['id', integer(1)]]);
const repository = object([
  ['name', string(1)],
  ['owner', account],
]);
const comment = object([
  ['id', integer()],
  ['body', optional(nullable(string()))],
  ['html_url', optional(string())],
  ['created_at', optional(string())],
]);
const pullRequest = object([
  ['number', integer(1)],
  ['title', string()],
  ['body', optional(nullable(string()))],
  ['html_url', string()],
  ['draft', optional(boolean)],
  ['merged', optional(nullable(boolean))],
  ['user', account],
  [
    'head',
    object([
      ['ref', string()],
      ['sha', string()],
    ]),
  ],
]);
const changes = optional(object([['body', optional(object([['from', string()]]))]]));
const common = [
  ['action', string()],
  ['installation', installation],
  ['repository', repository],
  ['sender', account],
  ['comment', comment],
] as const;

const issueComment = object([
  ...common,
  [
    'issue',
    object([
      ['number', integer(1)],
      ['pull_request', presence],
    ]),
  ],
  ['changes', changes],
]);
const reviewComment = object([...common, ['pull_request', pullRequest], ['changes', changes]]);

interface Account {
  readonly login: string;
  readonly id?: number;
  readonly type?: string;
}
interface PullRequestFields {
  readonly number: number;
  readonly title: string;
  readonly body?: string | null;
  readonly html_url: string;
  readonly draft?: boolean;
  readonly merged?: boolean | null;
  readonly user: Account;
  readonly head: { readonly ref: string; readonly sha: string };
}

/** A comment webhook's fields that Void reads, once checked. */
export interface CommentPayload {
  readonly action: string;
  readonly installation: { readonly id: number };
  readonly repository: { readonly name: string; readonly owner: Account };
  readonly sender: Account;
  readonly comment: {
    readonly id: number;
    readonly body?: string | null;
    readonly html_url?: string;
    readonly created_at?: string;
  };
  readonly issue?: { readonly number: number; readonly pull_request?: unknown };
  readonly pull_request?: PullRequestFields;
  readonly changes?: { readonly body?: { readonly from: string } };
}

/** Checks an `issue_comment` (`issue`) or `pull_request_review_comment` (`review`) payload: undefined when it is a
 *  CommentPayload, else the dotted path of the first field that is not as expected ('' for the payload itself). */
export function commentProblem(payload: unknown, source: 'issue' | 'review'): string | undefined {
  return (source === 'issue' ? issueComment : reviewComment).check(payload);
}

/** Of a payload without a commentProblem, only the fields it checks: what a queued comment command carries to the
 *  worker (GitHub's payloads run to tens of kilobytes; the worker maps these fields to the same event). */
export function commentFields(payload: unknown, source: 'issue' | 'review'): Record<string, unknown> {
  return (source === 'issue' ? issueComment : reviewComment).pick(payload) as Record<string, unknown>;
}
