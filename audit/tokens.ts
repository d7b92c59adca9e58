// Per-tenant API tokens for the audit HTTP API. Only a digest is stored (HMAC-SHA256 keyed with
// VOID_API_TOKEN_PEPPER when set, plain SHA-256 otherwise); the token itself is shown once, at creation. Tokens live
// in Redis, which every Void deployment has and every replica and the CLI share.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { refused, type Outcome } from '../bot/core/outcome.js';
import type { TenantRegistry } from '../bot/core/registry.js';
import type { Role } from '../bot/core/types.js';

export const AUDIT_READER_ROLES: readonly Role[] = ['compliance_officer', 'admin'];

export interface ApiTokenInfo {
  readonly id: string;
  readonly tenantId: string;
  readonly memberId: string;
  readonly createdAt: string;
  readonly label?: string | undefined;
}

export class AuditTokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly pepper?: string | undefined,
  ) {}

  private get key(): string {
    return `${this.prefix}:audit:api-tokens`;
  }

  digest(token: string): string {
    return this.pepper
      ? createHmac('sha256', this.pepper).update(token).digest('hex')
      : createHash('sha256').update(token).digest('hex');
  }

  /** Issues a token for a compliance officer or admin of the tenant; anyone else is refused. */
  async create(
    registry: TenantRegistry,
    tenantId: string,
    memberId: string,
    label?: string,
  ): Promise<Outcome<{ token: string; info: ApiTokenInfo }>> {
    const member = registry.memberById(tenantId, memberId);
    if (!member) return refused('audit.no_such_member', { member: memberId, tenant: tenantId });
    if (!member.roles.some((r) => AUDIT_READER_ROLES.includes(r))) {
      return refused('audit.forbidden', { stage: 'create', name: member.name, roles: member.roles.join(', ') });
    }
    const token = `vat_${randomBytes(32).toString('base64url')}`;
    const info: ApiTokenInfo = {
      id: `tok-${randomBytes(6).toString('hex')}`,
      tenantId,
      memberId,
      createdAt: new Date().toISOString(),
      label,
    };
    await this.redis.hset(this.key, this.digest(token), JSON.stringify(info));
    return { ok: true, value: { token, info } };
  }

  async lookup(token: string): Promise<ApiTokenInfo | undefined> {
    if (!/^vat_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const raw = await this.redis.hget(this.key, this.digest(token));
    return raw ? (JSON.parse(raw) as ApiTokenInfo) : undefined;
  }

  async revoke(tokenId: string): Promise<boolean> {
    const all = await this.redis.hgetall(this.key);
    for (const [digest, raw] of Object.entries(all)) {
      if ((JSON.parse(raw) as ApiTokenInfo).id === tokenId) return (await this.redis.hdel(this.key, digest)) === 1;
    }
    return false;
  }
}
