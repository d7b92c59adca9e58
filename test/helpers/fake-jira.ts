// A stateful JIRA Cloud REST API (v3) behind nock, for the JIRA tests: it keeps issues, comments (with their
// properties), statuses and a log of requests, so that tests assert what a person would see on the ticket. The
// site and the accounts it knows are here too; helpers/jira.ts re-exports all of it with the webhook helpers.
/* eslint-disable @typescript-eslint/no-explicit-any -- JIRA's JSON is handled as loosely as JIRA sends it */
import { EventEmitter } from 'node:events';
import nock from 'nock';

export const JIRA_SITE = 'https://acme.atlassian.net';
export const ALICE_JIRA = '5b10a2844c20165700ede21a';
export const BOB_JIRA = '5b10ac8d82e05b22cc7d4ef5';
export const VOID_JIRA = '712020:void-bot-0000-4000-8000-000000000001';
export const STRANGER_JIRA = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';

export interface FakeComment {
  id: string;
  body: any;
  properties: Array<{ key: string; value: unknown }>;
  created: number;
}
export interface FakeIssue {
  key: string;
  fields: Record<string, any>;
  comments: FakeComment[];
  properties: Array<{ key: string; value: unknown }>;
}
export interface JiraCall {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
}

export const STATUSES = ['To Do', 'In Progress', 'In Review', 'Done'];

/** A JIRA Cloud site behind nock: call `install()` in each test (setup.ts cleans interceptors after each test). */
export class FakeJira extends EventEmitter {
  readonly issues = new Map<string, FakeIssue>();
  readonly calls: JiraCall[] = [];
  readonly myselfCalls: JiraCall[] = [];
  /** The account id /myself answers with (Void's own account on this site). */
  myselfAccountId = VOID_JIRA;
  private nextId = 10_000;
  private nextKey = 100;

  constructor(readonly site = JIRA_SITE) {
    super();
  }

  addIssue(key: string, fields: Record<string, any> = {}): FakeIssue {
    const issue: FakeIssue = {
      key,
      fields: {
        summary: `Summary of ${key}`,
        status: { name: 'To Do' },
        issuetype: { name: 'Story' },
        labels: [],
        components: [],
        project: { key: key.split('-')[0] },
        description: null,
        priority: { name: 'Medium' },
        assignee: null,
        ...fields,
      },
      comments: [],
      properties: [],
    };
    this.issues.set(key, issue);
    return issue;
  }

  status(key: string): string {
    return this.issues.get(key)?.fields.status.name;
  }

  /** Comment texts of a ticket, oldest first. */
  commentTexts(key: string): string[] {
    return (this.issues.get(key)?.comments ?? []).map((c) => adfText(c.body));
  }

  writes(): JiraCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  /** Resolves when `predicate` holds, checked after every request the fake answers. */
  waitFor(predicate: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(
          new Error(
            `timed out waiting for ${what}; JIRA calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.off('request', check);
        resolve();
      };
      this.on('request', check);
    });
  }

  install(): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- nock binds `this` to the intercepted request
    const fake = this;
    for (const method of ['GET', 'POST', 'PUT']) {
      nock(this.site)
        .persist()
        .intercept(() => true, method)
        .reply(function (uri, body) {
          const authorization = this.req.headers.authorization as string | undefined;
          const parsed = typeof body === 'string' && body ? safeJson(body) : body;
          // Void asks who it is (/myself) once at start: kept apart, so that `calls` is what was done about tickets.
          if (uri.startsWith('/rest/api/3/myself'))
            fake.myselfCalls.push({ method, path: uri, body: parsed, authorization });
          else fake.calls.push({ method, path: uri, body: parsed, authorization });
          const result = fake.route(method, new URL(uri, fake.site), parsed);
          setImmediate(() => fake.emit('request'));
          return result;
        });
    }
    return this;
  }

  private route(method: string, url: URL, body: any): [number, any] {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/rest/api/3/issue') return this.create(body);
    if (method === 'GET' && path === '/rest/api/3/search/jql') return this.search(url);
    if (method === 'GET' && path === '/rest/api/3/myself')
      return [200, { accountId: this.myselfAccountId, displayName: `Void bot on ${this.site}` }];
    // Comment properties (GET /rest/api/3/comment/{id}/properties/{key}): 404 when the comment has none by that key.
    if (method === 'GET' && (m = /^\/rest\/api\/3\/comment\/(\d+)\/properties\/([^/]+)$/.exec(path))) {
      const [, commentId, propertyKey] = m;
      const comment = [...this.issues.values()].flatMap((i) => i.comments).find((c) => c.id === commentId);
      const property = comment?.properties.find((p) => p.key === decodeURIComponent(propertyKey as string));
      return property ? [200, property] : [404, { errorMessages: [`The property ${propertyKey} does not exist.`] }];
    }
    if (!(m = /^\/rest\/api\/3\/issue\/([A-Z][A-Z0-9_]*-\d+)(\/.*)?$/.exec(path)))
      return [404, { errorMessages: [`no route ${method} ${path}`] }];
    const issue = this.issues.get(m[1] as string);
    if (!issue)
      return [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }];
    const rest = m[2] ?? '';
    if (rest === '' && method === 'GET') return [200, this.view(issue)];
    if (rest === '' && method === 'PUT') {
      for (const op of body?.update?.labels ?? [])
        if (op.add && !issue.fields.labels.includes(op.add)) issue.fields.labels.push(op.add);
      return [204, ''];
    }
    if (rest === '/comment' && method === 'GET') {
      const comments = [...issue.comments]
        .reverse()
        .map((c) => (url.searchParams.get('expand')?.includes('properties') ? c : { ...c, properties: undefined }));
      return [200, { startAt: 0, maxResults: 100, total: comments.length, comments }];
    }
    if (rest === '/comment' && method === 'POST') {
      const comment: FakeComment = {
        id: String(this.nextId++),
        body: body.body,
        properties: body.properties ?? [],
        created: Date.now(),
      };
      issue.comments.push(comment);
      return [201, { ...comment, self: `${this.site}/rest/api/3/issue/${issue.key}/comment/${comment.id}` }];
    }
    if ((m = /^\/comment\/(\d+)$/.exec(rest)) && method === 'PUT') {
      const comment = issue.comments.find((c) => c.id === m?.[1]);
      if (!comment) return [404, { errorMessages: ['Comment not found'] }];
      comment.body = body.body;
      return [200, comment];
    }
    if (rest === '/transitions' && method === 'GET') return [200, { transitions: this.transitionsOf(issue) }];
    if (rest === '/transitions' && method === 'POST') {
      const t = this.transitionsOf(issue).find((x) => x.id === body?.transition?.id);
      if (!t) return [400, { errorMessages: ['Transition id is not valid for this issue.'] }];
      issue.fields.status = { name: t.to.name };
      return [204, ''];
    }
    return [404, { errorMessages: [`no route ${method} ${path}`] }];
  }

  private transitionsOf(issue: FakeIssue) {
    return STATUSES.filter((s) => s !== issue.fields.status.name).map((s) => ({
      id: String(11 + STATUSES.indexOf(s)),
      name: `Move to ${s}`,
      to: { name: s },
    }));
  }

  private view(issue: FakeIssue) {
    return { id: issue.key, key: issue.key, self: `${this.site}/rest/api/3/issue/${issue.key}`, fields: issue.fields };
  }

  private create(body: any): [number, any] {
    const project = body?.fields?.project?.key;
    if (!project || !body?.fields?.summary)
      return [400, { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } }];
    if (body.fields.priority && !['Highest', 'High', 'Medium', 'Low', 'Lowest'].includes(body.fields.priority.name)) {
      return [400, { errorMessages: [], errors: { priority: 'Specify the Priority (name) in the string format' } }];
    }
    const key = `${project}-${this.nextKey++}`;
    const issue = this.addIssue(key, {
      summary: body.fields.summary,
      issuetype: body.fields.issuetype,
      priority: body.fields.priority ?? { name: 'Medium' },
      description: body.fields.description ?? null,
    });
    issue.properties = body.properties ?? [];
    return [201, { id: String(this.nextId++), key, self: `${this.site}/rest/api/3/issue/${key}` }];
  }

  private search(url: URL): [number, any] {
    const project = /project = "([A-Z0-9_]+)"/.exec(url.searchParams.get('jql') ?? '')?.[1];
    const issues = [...this.issues.values()]
      .filter((i) => i.fields.project.key === project && i.fields.status.name !== 'Done')
      .reverse()
      .map((i) => this.view(i));
    return [200, { issues, isLast: true }];
  }
}

export function adfText(node: any): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  if (node.type === 'text') return node.text ?? '';
  const inner = (node.content ?? []).map(adfText);
  return node.type === 'doc' ? inner.join('\n') : inner.join('');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
