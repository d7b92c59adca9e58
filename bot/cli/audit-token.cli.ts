// `void audit token create|revoke`: HTTP API tokens for the audit trail. Apart from the trail commands because
// tokens live in Redis (so they work in every deployment) and only their creation is recorded in the trail.
import type { Writable } from 'node:stream';
import { AuditTrail } from '../../audit/trail.js';
import { AuditTokenStore } from '../../audit/tokens.js';
import { type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import { TenantRegistry } from '../core/registry.js';
import { createRedis, DEFAULT_REDIS_URL } from '../redis.js';
import { need, openStore, readOnlyNote, type AuditCliDeps, type Values } from './audit-setup.js';

/** Records the token's creation where the CLI can write the trail (MongoDB, or a data directory no server owns). */
async function recordTokenCreated(
  config: Config,
  deps: AuditCliDeps,
  info: { id: string; tenantId: string; memberId: string },
): Promise<string> {
  if (!deps.openStore && !config.env.MONGODB_URL && config.env.VOID_EMBEDDED_STORE === 'memory')
    return ' (not recorded in the audit trail: it is embedded in the running server)';
  const store = await (deps.openStore ?? openStore)(config);
  try {
    const readOnly = readOnlyNote(store);
    if (readOnly) return ` (not recorded in the audit trail: ${readOnly})`;
    await new AuditTrail(store).append({
      tenantId: info.tenantId,
      action: 'audit.token_created',
      actor: { platform: 'cli' },
      target: info.memberId,
      outcome: 'success',
      details: { tokenId: info.id },
      correlationId: `cli-${Date.now()}`,
    });
    return '';
  } finally {
    if (!deps.openStore) await store.close();
  }
}

export async function createToken(config: Config, values: Values, out: Writable, deps: AuditCliDeps): Promise<number> {
  const tenantId = need(values, 'tenant');
  const memberId = need(values, 'member');
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const store = new AuditTokenStore(redis, config.env.VOID_KEY_PREFIX, config.env.VOID_API_TOKEN_PEPPER);
    const created = await store.create(
      new TenantRegistry(config.tenants),
      tenantId,
      memberId,
      typeof values.label === 'string' ? values.label : undefined,
    );
    if (!created.ok) throw new VoidError(created.refusal.code, created.refusal.message);
    const recorded = await recordTokenCreated(config, deps, created.value.info);
    out.write(
      `Audit API token ${created.value.info.id} for ${memberId} in ${tenantId}${recorded} (shown once; ` +
        `only its digest is stored):\n${created.value.token}\nUse it as: Authorization: Bearer <token> on GET ` +
        `/api/tenants/${tenantId}/audit\n`,
    );
    return 0;
  } finally {
    redis.disconnect();
  }
}

export async function revokeToken(config: Config, values: Values, out: Writable): Promise<number> {
  const id = need(values, 'id');
  const redis = createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const revoked = await new AuditTokenStore(
      redis,
      config.env.VOID_KEY_PREFIX,
      config.env.VOID_API_TOKEN_PEPPER,
    ).revoke(id);
    if (!revoked) throw new VoidError('cli.no_such_token', `There is no audit API token "${id}".`);
    out.write(`Audit API token ${id} revoked.\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}
