// Tenancy and identity: (platform, workspace id, platform user id) → Tenant and the one person behind the identity.
// Lookups are by exact key in per-platform maps; a miss is a refusal, never another tenant's data.

import { refuse, type Refusal } from './outcome.js';
import type { Actor, Member, Platform, Tenant } from './types.js';

/** A person resolved to a member, or refused: an unknown person's refusal carries the tenant in its params. */
export type Resolution =
  | { ok: true; tenant: Tenant; actor: Actor }
  | { ok: false; refusal: Refusal<'identity.unknown_workspace' | 'identity.unknown_user'> };

type IdentityPlatform = Exclude<Platform, 'console'>;

/** Normalises ids that platforms treat case-insensitively (GitHub logins, emails, JIRA site URLs). */
export function normaliseId(platform: Platform | 'email', id: string): string {
  if (platform === 'github' || platform === 'email' || platform === 'teams') return id.trim().toLowerCase();
  if (platform === 'jira') return id.trim();
  return id.trim();
}

/** A GitHub identity of the tenants file: `login#583231` (id, login for display) or a bare login (legacy, warned). */
export function parseGithubIdentity(entry: string): { id?: string; login: string } {
  const m = /^(.*)#(\d{1,15})$/.exec(entry.trim());
  return m ? { id: m[2] as string, login: m[1] as string } : { login: entry.trim() };
}

/** The registry key of a GitHub identity: the numeric user id where the tenants file gives one, else the login. */
export function githubKey(entry: string): string {
  const { id, login } = parseGithubIdentity(entry);
  return id ? `#${id}` : normaliseId('github', login);
}

export function normaliseSiteUrl(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, '');
}

export class TenantRegistry {
  private readonly byId = new Map<string, Tenant>();
  private readonly byWorkspace = new Map<string, Tenant>();
  private readonly members = new Map<string, Member>();

  constructor(tenants: readonly Tenant[]) {
    for (const tenant of tenants) {
      this.byId.set(tenant.id, tenant);
      for (const key of workspaceKeys(tenant)) this.byWorkspace.set(key, tenant);
      for (const member of tenant.members) {
        this.members.set(`${tenant.id}\u0000console\u0000${member.id}`, member);
        for (const platform of ['slack', 'teams', 'github', 'jira'] as const) {
          for (const id of member.identities[platform] ?? []) {
            const key = platform === 'github' ? githubKey(id) : normaliseId(platform, id);
            this.members.set(`${tenant.id}\u0000${platform}\u0000${key}`, member);
          }
        }
      }
    }
  }

  list(): readonly Tenant[] {
    return [...this.byId.values()];
  }

  get(tenantId: string): Tenant | undefined {
    return this.byId.get(tenantId);
  }

  /** The tenant bound to a platform workspace (Slack team, AAD tenant, GitHub installation, JIRA site). */
  tenantFor(platform: Platform, workspaceId: string): Tenant | undefined {
    if (platform === 'console') return this.byId.get(workspaceId);
    return this.byWorkspace.get(workspaceKey(platform, workspaceId));
  }

  /**
   * The member behind a platform identity. GitHub: `githubUserId` (the event's `sender.id`) is matched against the
   * numeric ids of the tenants file; the login only against login-only entries (a login can be renamed and taken
   * by someone else, so a member configured by id is never matched by login).
   */
  member(
    tenant: Tenant,
    platform: Platform,
    platformUserId: string,
    githubUserId?: number | string,
  ): Member | undefined {
    if (platform === 'github' && githubUserId !== undefined) {
      const byId = this.members.get(`${tenant.id}\u0000github\u0000#${String(githubUserId)}`);
      if (byId) return byId;
    }
    const id = platform === 'console' ? platformUserId : normaliseId(platform, platformUserId);
    return this.members.get(`${tenant.id}\u0000${platform}\u0000${id}`);
  }

  /** Looks a member up by id inside one tenant: roles as they are now, for checks made at decision or run time. */
  memberById(tenantId: string, memberId: string): Member | undefined {
    return this.members.get(`${tenantId}\u0000console\u0000${memberId}`);
  }

  resolve(platform: Platform, workspaceId: string, platformUserId: string, githubUserId?: number | string): Resolution {
    const tenant = this.tenantFor(platform, workspaceId);
    if (!tenant) return { ok: false, refusal: refuse('identity.unknown_workspace') };
    const member = this.member(tenant, platform, platformUserId, githubUserId);
    if (!member) return { ok: false, refusal: refuse('identity.unknown_user', { tenant, platform }) };
    return { ok: true, tenant, actor: actorOf(tenant, member, platform, platformUserId) };
  }
}

export function actorOf(tenant: Tenant, member: Member, platform: Platform, platformUserId: string): Actor {
  return { tenantId: tenant.id, memberId: member.id, name: member.name, roles: member.roles, platform, platformUserId };
}

function workspaceKey(platform: IdentityPlatform, id: string): string {
  const value = platform === 'jira' ? normaliseSiteUrl(id) : normaliseId(platform, id);
  return `${platform}\u0000${value}`;
}

function workspaceKeys(tenant: Tenant): string[] {
  const keys: string[] = [];
  const { slack, teams, github, jira } = tenant.bindings;
  for (const team of slack?.teamIds ?? []) keys.push(workspaceKey('slack', team));
  if (slack?.enterpriseId) keys.push(workspaceKey('slack', slack.enterpriseId));
  if (teams) keys.push(workspaceKey('teams', teams.tenantId));
  if (github) keys.push(workspaceKey('github', String(github.installationId)));
  if (jira) keys.push(workspaceKey('jira', jira.siteUrl));
  return keys;
}
