// The audit HTTP API and chat command on a real Void process (real Redis, real HTTP on a random port): tokens stored
// hashed and given only to compliance officers and admins, tenant A's token on tenant B → 404, queries with cursors,
// verify naming a tampered record, streamed exports whose announced head a later verify checks.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { registerAuditRoutes } from '../../audit/http.js';
import { auditModule } from '../../audit/module.js';
import { HttpServer } from '../../bot/http/server.js';
import { createLogger } from '../../bot/logger.js';
import { createRedis } from '../../bot/redis.js';
import { AuditTokenStore } from '../../audit/tokens.js';
import type { AuditRecord } from '../../audit/types.js';
import type { InboundCommand } from '../../bot/core/types.js';
import { startTestApp, testConfig, type TestApp } from '../helpers/app.js';

const PEPPER = 'pepper-for-audit-tests-0123456789';
let t: TestApp;
let tokens: AuditTokenStore;
let daveToken: string;
let n = 0;

function say(text: string, as: string, tenant = 'acme'): Promise<{ replies: Array<{ text: string; kind?: string }> }> {
  n += 1;
  const cmd: InboundCommand = {
    platform: 'console',
    workspaceId: tenant,
    platformUserId: as,
    text,
    thread: { platform: 'console', channel: 'audit-test' },
    deliveryId: `audit-http-${Date.now()}-${n}`,
  };
  return t.app.dispatcher.dispatch(cmd);
}

async function get(path: string, token?: string): Promise<Response> {
  return fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

beforeAll(async () => {
  t = await startTestApp({
    modules: [auditModule],
    role: 'web',
    config: testConfig({ env: { VOID_API_TOKEN_PEPPER: PEPPER } }),
  });
  tokens = new AuditTokenStore(t.app.redis, t.prefix, PEPPER);
  const created = await tokens.create(t.app.registry, 'acme', 'dave');
  if (!created.ok) throw new Error(created.refusal.message);
  daveToken = created.value.token;
  for (const text of ['whoami', 'help', 'whoami']) await say(text, 'alice');
  await say('whoami', 'bob');
});
afterAll(async () => t?.stop());

describe('audit API access', () => {
  it('needs a token, and stores only its peppered SHA-256 digest', async () => {
    expect((await get('/api/tenants/acme/audit')).status).toBe(401);
    expect((await get('/api/tenants/acme/audit', `vat_${'x'.repeat(43)}`)).status).toBe(401);
    const stored = await t.app.redis.hgetall(`${t.prefix}:audit:api-tokens`);
    expect(Object.keys(stored)).toEqual([createHmac('sha256', PEPPER).update(daveToken).digest('hex')]);
    expect(JSON.stringify(stored)).not.toContain(daveToken);
  });

  it('gives tokens only to compliance officers and admins', async () => {
    expect(await tokens.create(t.app.registry, 'acme', 'alice')).toMatchObject({
      ok: false,
      refusal: { code: 'audit.forbidden' },
    });
    expect(await tokens.create(t.app.registry, 'acme', 'erin')).toMatchObject({ ok: true });
  });

  it('answers 404 to a token of tenant A on tenant B, exactly as for a tenant that does not exist', async () => {
    const other = await get('/api/tenants/globex/audit', daveToken);
    const missing = await get('/api/tenants/nosuch/audit', daveToken);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await other.json()).toEqual(await missing.json());
    expect((await get('/api/tenants/globex/audit/export', daveToken)).status).toBe(404);
    expect((await get('/api/tenants/globex/audit/verify', daveToken)).status).toBe(404);
  });
});

describe('audit API without Redis', () => {
  it('answers 503 (retry later), not 500, when tokens cannot be checked', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined);
    const http = new HttpServer({ log: createLogger({ level: 'silent' }), maxBodyBytes: 1024 });
    registerAuditRoutes(http, {
      trail: t.app.audit,
      tokens: new AuditTokenStore(deadRedis, t.prefix),
      registry: t.app.registry,
    });
    const port = await http.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/tenants/acme/audit`, {
        headers: { authorization: `Bearer ${daveToken}` },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'audit.tokens_unavailable' });
    } finally {
      await http.close();
      deadRedis.disconnect();
    }
  });
});

describe('audit API', () => {
  it('queries with filters and pages with a cursor', async () => {
    const first = (await (
      await get('/api/tenants/acme/audit?action=command.received&actor=alice&limit=2', daveToken)
    ).json()) as { records: AuditRecord[]; nextCursor: string };
    expect(first.records.map((r) => [r.action, r.actor.memberId])).toEqual([
      ['command.received', 'alice'],
      ['command.received', 'alice'],
    ]);
    const second = (await (
      await get(
        `/api/tenants/acme/audit?action=command.received&actor=alice&limit=2&cursor=${first.nextCursor}`,
        daveToken,
      )
    ).json()) as { records: AuditRecord[]; nextCursor: string | null };
    expect(second.records.map((r) => r.target)).toEqual(['whoami']);
    expect(second.records[0]?.seq).toBeGreaterThan(first.records[1]?.seq as number);
    expect(second.nextCursor).toBeNull();
  });

  it('answers 400 with a clear message to a bad query', async () => {
    const res = await get('/api/tenants/acme/audit?from=last-tuesday', daveToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'audit.bad_query', message: expect.stringContaining('"from"') });
    expect((await get('/api/tenants/acme/audit/export?format=xml', daveToken)).status).toBe(400);
    expect((await get('/api/tenants/acme/audit/verify?headSeq=3', daveToken)).status).toBe(400);
  });

  it('streams an export with its head, which a later verify proves complete', async () => {
    const res = await get('/api/tenants/acme/audit/export?format=jsonl', daveToken);
    expect(res.status).toBe(200);
    const [headSeq, headHash] = (res.headers.get('x-void-audit-head') as string).split(':');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ export: { tenantId: 'acme', headSeq: Number(headSeq), headHash } });
    expect(lines.slice(1).map((r) => r.seq)).toEqual(Array.from({ length: Number(headSeq) }, (_, i) => i + 1));
    const csv = await (await get('/api/tenants/acme/audit/export?format=csv&since=2020-01-01', daveToken)).text();
    expect(csv.split('\n')[1]).toMatch(/^seq,ts,tenantId,/);
    const verified = await (
      await get(`/api/tenants/acme/audit/verify?headSeq=${headSeq}&headHash=${headHash}`, daveToken)
    ).json();
    expect(verified).toMatchObject({ ok: true, tenantId: 'acme' });
  });

  it('verify names the record that was tampered with', async () => {
    const chain = (t.app.audit.store as EmbeddedAuditStore).storageForTamperTests('acme');
    const original = chain[1] as AuditRecord;
    chain[1] = { ...original, outcome: 'failure' };
    try {
      const result = await (await get('/api/tenants/acme/audit/verify', daveToken)).json();
      expect(result).toMatchObject({ ok: false, firstBreak: { seq: 2, reason: 'content_changed' } });
    } finally {
      chain[1] = original;
    }
  });
});

describe('audit chat command', () => {
  it('answers a compliance officer with the verification result', async () => {
    const { replies } = await say('audit verify', 'dave');
    expect(replies[0]?.kind).toBe('answer');
    expect(replies[0]?.text).toMatch(
      /^Audit trail of acme verified: \d+ record\(s\), records 1 to \d+\. Head hash [0-9a-f]{64}\.$/,
    );
  });

  it('summarises an export and points to the HTTP API', async () => {
    const { replies } = await say('audit export since 2020-01-01', 'erin');
    expect(replies[0]?.text).toContain('GET /api/tenants/acme/audit/export?format=csv&since=2020-01-01');
  });

  it('refuses everyone else, clearly, and records the refusal', async () => {
    const { replies } = await say('audit verify', 'alice');
    expect(replies[0]).toMatchObject({
      kind: 'refusal',
      text: 'Only compliance officers and admins can use the audit tools in Acme Payments; your roles are developer.',
    });
    const denied = await t.app.audit.store.query('acme', { action: 'audit.access_denied' }, 0, 10);
    expect(denied.map((r) => r.actor.memberId)).toEqual(['alice']);
  });
});
