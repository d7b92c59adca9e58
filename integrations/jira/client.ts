// The TicketPort over jira.js 5.4 (Version3Client): one client per tenant, each with its own site URL and API
// token. Errors leave as VoidError('jira.api_error') with the status only: an axios error carries the Authorization
// header in its config, so it is never kept as a cause, logged or shown.
import type { Version3Client } from 'jira.js';
import { VoidError } from '../../bot/core/errors.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { TicketInfo, TicketPort } from '../../bot/core/ticket.port.js';
import type { Redis } from 'ioredis';
import { automationOf } from './automation.schema.js';
import { withRedisLock } from './lock.js';
import { commentText, renderComment, textToAdf } from './mapper.js';
import { unboundTicket } from './projects.js';

export interface JiraCredentials {
  readonly email: string;
  readonly apiToken: string;
}

export interface JiraClientOptions {
  readonly registry: TenantRegistry;
  readonly credentials: (tenantId: string) => JiraCredentials | undefined;
  /** When given, upserts of one marker are also serialised across processes (a short Redis lock). */
  readonly redis?: Redis;
  readonly prefix?: string;
}

/** The comment property that carries Void's marker: hidden from people, read back to update the same comment, and
 *  present on every comment Void writes (unkeyed ones carry the marker "reply"), so that Void knows its own. */
export const MARKER_PROPERTY = 'void.marker';
/** The issue property on tickets Void created (`jira create`). */
export const CREATED_PROPERTY = 'void.created';

const FIELDS = ['summary', 'description', 'issuetype', 'status', 'priority', 'labels', 'components', 'assignee'];

type Adf = Record<string, unknown>;
interface IssueLike {
  key?: string;
  fields?: Record<string, unknown>;
}
interface CommentLike {
  id?: string;
  properties?: Array<{ key?: string; value?: unknown }>;
}

export class JiraTicketClient implements TicketPort {
  private readonly clients = new Map<string, { api: Version3Client; site: string }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: JiraClientOptions) {}

  /** True when the tenant has a JIRA site binding and credentials. */
  configured(tenantId: string): boolean {
    return Boolean(this.options.registry.get(tenantId)?.bindings.jira && this.options.credentials(tenantId));
  }

  /** Every read and write of a ticket passes here first: tickets outside the tenant's projects are refused. */
  private async clientFor(tenantId: string, key: string): Promise<{ api: Version3Client; site: string }> {
    const tenant = this.options.registry.get(tenantId);
    const unbound = tenant ? unboundTicket(tenant, key) : undefined;
    if (unbound) throw new VoidError('jira.project_not_bound', unbound);
    return this.client(tenantId);
  }

  /** jira.js is loaded with the first ticket call: processes of set-ups without JIRA never hold it. */
  private async client(tenantId: string): Promise<{ api: Version3Client; site: string }> {
    const cached = this.clients.get(tenantId);
    if (cached) return cached;
    const site = this.options.registry.get(tenantId)?.bindings.jira?.siteUrl.replace(/\/+$/, '');
    const creds = this.options.credentials(tenantId);
    if (!site || !creds)
      throw new VoidError(
        'jira.not_configured',
        `JIRA is not configured for tenant ${tenantId} (site binding and API credentials).`,
      );
    const { Version3Client } = await import('jira.js');
    const again = this.clients.get(tenantId);
    if (again) return again;
    const api = new Version3Client({
      host: site,
      authentication: { basic: { email: creds.email, apiToken: creds.apiToken } },
    });
    const entry = { api, site };
    this.clients.set(tenantId, entry);
    return entry;
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw apiError(what, error);
    }
  }

  /** The account id of this tenant's own API credentials: Void's account on that JIRA site. */
  async myself(tenantId: string): Promise<string> {
    const { api } = await this.client(tenantId);
    const me = await this.call('read its own account (/myself)', () => api.myself.getCurrentUser());
    if (!me.accountId) throw new VoidError('jira.api_error', 'JIRA answered /myself without an account id.');
    return me.accountId;
  }

  async getTicket(tenantId: string, key: string): Promise<TicketInfo> {
    const { api, site } = await this.clientFor(tenantId, key);
    const issue = await this.call(`read ${key}`, () => api.issues.getIssue({ issueIdOrKey: key, fields: FIELDS }));
    return toTicket(issue as IssueLike, site);
  }

  async searchOpen(tenantId: string, projectKey: string, limit: number): Promise<TicketInfo[]> {
    const { api, site } = await this.clientFor(tenantId, `${projectKey}-0`);
    const project = projectKey.replace(/[^A-Z0-9_]/gi, '');
    const jql = `project = "${project}" AND statusCategory != Done ORDER BY created DESC`;
    const page = await this.call(`search ${projectKey}`, () =>
      api.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql,
        maxResults: Math.max(1, Math.min(limit, 100)),
        fields: FIELDS,
      }),
    );
    return ((page as { issues?: IssueLike[] }).issues ?? []).map((i) => toTicket(i, site));
  }

  upsertComment(tenantId: string, key: string, body: string, marker: string): Promise<{ url: string }> {
    return this.upsertAdf(tenantId, key, renderComment({ text: body }), marker);
  }

  /** Creates the comment carrying `marker` (a hidden comment property), or updates it; serialised per marker. */
  upsertAdf(
    tenantId: string,
    key: string,
    body: Adf,
    marker?: string,
    options: { onlyNew?: boolean } = {},
  ): Promise<{ url: string }> {
    // An unmarked comment is always a new one: nothing to serialise.
    if (!marker) return this.upsertNow(tenantId, key, body);
    const lockKey = `${tenantId}\u0000${key}\u0000${marker}`;
    const previous = this.locks.get(lockKey) ?? Promise.resolve();
    const { redis, prefix } = this.options;
    const upsert = () => this.upsertNow(tenantId, key, body, marker, options.onlyNew);
    const locked = redis
      ? () => withRedisLock(redis, `${prefix ?? 'void'}:jira:upsert:${tenantId}:${key}:${marker}`, 15_000, upsert)
      : upsert;
    const next = previous.catch(() => undefined).then(locked);
    this.locks.set(lockKey, next);
    void next
      .finally(() => {
        if (this.locks.get(lockKey) === next) this.locks.delete(lockKey);
      })
      .catch(() => undefined);
    return next;
  }

  private async upsertNow(
    tenantId: string,
    key: string,
    body: Adf,
    marker?: string,
    onlyNew = false,
  ): Promise<{ url: string }> {
    const { api, site } = await this.clientFor(tenantId, key);
    const existing = marker ? await this.findMarked(api, key, marker) : undefined;
    if (existing && onlyNew) return { url: `${site}/browse/${key}?focusedCommentId=${existing}` };
    const comment = (existing
      ? await this.call(`update a comment on ${key}`, () =>
          api.issueComments.updateComment({ issueIdOrKey: key, id: existing, body: body as never }),
        )
      : await this.call(`comment on ${key}`, () =>
          api.issueComments.addComment({
            issueIdOrKey: key,
            comment: body as never,
            properties: [{ key: MARKER_PROPERTY, value: { marker: marker ?? 'reply' } }],
          }),
        )) as unknown as CommentLike;
    return { url: `${site}/browse/${key}?focusedCommentId=${comment.id ?? existing ?? ''}` };
  }

  private async findMarked(api: Version3Client, key: string, marker: string): Promise<string | undefined> {
    const page = await this.call(`read comments of ${key}`, () =>
      api.issueComments.getComments({ issueIdOrKey: key, expand: 'properties', orderBy: '-created', maxResults: 100 }),
    );
    const comments = (page as { comments?: CommentLike[] }).comments ?? [];
    const found = comments.find((c) =>
      c.properties?.some(
        (p) => p.key === MARKER_PROPERTY && (p.value as { marker?: unknown } | undefined)?.marker === marker,
      ),
    );
    return found?.id;
  }

  /** True when the comment was written by Void: it carries Void's marker property (a 404 means it does not). */
  async isOwnComment(tenantId: string, key: string, commentId: string): Promise<boolean> {
    const { api } = await this.clientFor(tenantId, key);
    try {
      await api.issueCommentProperties.getCommentProperty({ commentId, propertyKey: MARKER_PROPERTY });
      return true;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw apiError(`read the properties of a comment on ${key}`, error);
    }
  }

  /** Moves the ticket to `toStatus` (by transition name or target status); true when it is there afterwards. */
  async transition(tenantId: string, key: string, toStatus: string): Promise<boolean> {
    const { api } = await this.clientFor(tenantId, key);
    const want = toStatus.trim().toLowerCase();
    const current = await this.getTicket(tenantId, key);
    if (current.status.toLowerCase() === want) return true;
    const list = await this.call(`list transitions of ${key}`, () => api.issues.getTransitions({ issueIdOrKey: key }));
    const transitions =
      (list as { transitions?: Array<{ id?: string; name?: string; to?: { name?: string } }> }).transitions ?? [];
    const match =
      transitions.find((t) => t.to?.name?.toLowerCase() === want) ??
      transitions.find((t) => t.name?.toLowerCase() === want);
    if (!match?.id) return false;
    await this.call(`transition ${key}`, () =>
      api.issues.doTransition({ issueIdOrKey: key, transition: { id: match.id as string } }),
    );
    return true;
  }

  /** Adds labels only where the tenant allows Void to (`automation.triage.setLabels`); otherwise does nothing. */
  async addLabels(tenantId: string, key: string, labels: readonly string[]): Promise<void> {
    const tenant = this.options.registry.get(tenantId);
    if (!labels.length || !tenant || !automationOf(tenant).triage.setLabels) return;
    const { api } = await this.clientFor(tenantId, key);
    await this.call(`label ${key}`, () =>
      api.issues.editIssue({ issueIdOrKey: key, update: { labels: labels.map((l) => ({ add: l })) } }),
    );
  }

  async createTicket(
    tenantId: string,
    ticket: { projectKey: string; summary: string; description: string; type: string; priority?: string | undefined },
  ): Promise<{ key: string; url: string }> {
    const { api, site } = await this.clientFor(tenantId, `${ticket.projectKey}-0`);
    const fields: Record<string, unknown> = {
      project: { key: ticket.projectKey },
      summary: ticket.summary,
      issuetype: { name: ticket.type },
      ...(ticket.description ? { description: textToAdf(ticket.description.split('\n')) } : {}),
      ...(ticket.priority ? { priority: { name: ticket.priority } } : {}),
    };
    // Void's mark is an issue property, not text: the summary and description are exactly what the person asked for.
    const properties = [{ key: CREATED_PROPERTY, value: { by: 'void' } }];
    const created = await this.call(`create a ticket in ${ticket.projectKey}`, () =>
      api.issues.createIssue({
        fields: fields as unknown as Parameters<typeof api.issues.createIssue>[0]['fields'],
        properties,
      }),
    );
    const createdKey = (created as { key?: string }).key ?? '';
    return { key: createdKey, url: `${site}/browse/${createdKey}` };
  }
}

function toTicket(issue: IssueLike, site: string): TicketInfo {
  const f = (issue.fields ?? {}) as Record<string, { name?: string; displayName?: string } & Record<string, unknown>>;
  const key = issue.key ?? '';
  return {
    key,
    summary: String((f.summary as unknown) ?? ''),
    description: commentText(f.description ?? '').trim(),
    type: f.issuetype?.name ?? '',
    status: f.status?.name ?? '',
    priority: f.priority?.name,
    labels: Array.isArray(f.labels) ? (f.labels as unknown as string[]) : [],
    components: Array.isArray(f.components)
      ? (f.components as unknown as Array<{ name?: string }>).map((c) => c.name ?? '')
      : [],
    assignee: f.assignee?.displayName,
    url: `${site}/browse/${key}`,
  };
}

/** A JIRA failure without the request config (which holds the credentials): status and JIRA's own messages only. */
export function apiError(what: string, error: unknown): VoidError {
  const e = error as { status?: number; code?: string; response?: unknown };
  const data = (e?.response as { data?: { errorMessages?: unknown; errors?: unknown } } | undefined)?.data;
  const messages = Array.isArray(data?.errorMessages)
    ? data.errorMessages.filter((m): m is string => typeof m === 'string')
    : [];
  const fieldErrors =
    data?.errors && typeof data.errors === 'object'
      ? Object.entries(data.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`)
      : [];
  const detail = [...messages, ...fieldErrors].join('; ').slice(0, 300);
  const status = typeof e?.status === 'number' ? `HTTP ${e.status}` : (e?.code ?? 'no answer');
  const err = new VoidError('jira.api_error', `JIRA could not ${what} (${status}${detail ? `: ${detail}` : ''}).`);
  (err as { status?: number }).status = typeof e?.status === 'number' ? e.status : undefined;
  return err;
}
