// `void audit …` / `void gdpr …`: the real binary for what needs no MongoDB (the clear message about the embedded
// trail, API tokens in Redis), and the command code against a store it is handed for the rest.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { AuditTokenStore } from '../../audit/tokens.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyChain } from '../../audit/verify.js';
import { runAuditCli } from '../../bot/cli/audit.cli.js';
import { createRedis } from '../../bot/redis.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import { event } from '../helpers/audit.js';

const BIN = fileURLToPath(new URL('../../bin/void.mjs', import.meta.url));

function voidCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MONGODB_URL|VOID_|SLACK_|GITHUB_|JIRA_|MICROSOFT_)/.test(k)),
  ) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          ...base,
          REDIS_URL,
          LOG_LEVEL: 'silent',
          VOID_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'void-cli-data-')), 'data'),
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const redis = createRedis(REDIS_URL);
afterAll(() => redis.disconnect());

describe('void audit (binary)', () => {
  it(
    'reads the durable embedded trail in VOID_DATA_DIR; ' +
      'with VOID_EMBEDDED_STORE=memory says it is reachable only through the server',
    async () => {
      const verified = await voidCli(['audit', 'verify', '--tenant', 'acme']);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toContain('Audit trail of acme verified: 0 record(s)');
      const memory = await voidCli(['audit', 'verify', '--tenant', 'acme'], { VOID_EMBEDDED_STORE: 'memory' });
      expect(memory.code).toBe(2);
      expect(memory.stderr).toContain(
        'VOID_EMBEDDED_STORE=memory: the audit trail lives inside the running Void process',
      );
      expect(memory.stderr).toContain('GET /api/tenants/<id>/audit');
    },
    60_000,
  );

  it('creates an API token for a compliance officer (stored hashed in Redis) and refuses a developer', async () => {
    const prefix = uniqueId('void-cli');
    const created = await voidCli(['audit', 'token', 'create', '--tenant', 'acme', '--member', 'dave'], {
      VOID_KEY_PREFIX: prefix,
    });
    expect(created.code).toBe(0);
    const token = created.stdout.match(/vat_[A-Za-z0-9_-]{43}/)?.[0] as string;
    expect(await new AuditTokenStore(redis, prefix).lookup(token)).toMatchObject({
      tenantId: 'acme',
      memberId: 'dave',
    });
    const refused = await voidCli(['audit', 'token', 'create', '--tenant', 'acme', '--member', 'alice'], {
      VOID_KEY_PREFIX: prefix,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Audit API tokens are only given to compliance officers and admins');
    await redis.del(`${prefix}:audit:api-tokens`);
  }, 60_000);
});

describe('void audit and void gdpr (command code on a given store)', () => {
  async function run(
    args: string[],
    store: EmbeddedAuditStore,
    config = testConfig(),
  ): Promise<{ code: number; out: string; err: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += String(c)));
    stderr.on('data', (c: Buffer) => (err += String(c)));
    const code = await runAuditCli(args, { config, stdout, stderr, openStore: async () => store });
    return { code, out, err };
  }

  async function filled(): Promise<EmbeddedAuditStore> {
    const store = new EmbeddedAuditStore();
    const trail = new AuditTrail(store);
    for (let i = 0; i < 5; i++) await trail.append(event('acme'));
    await trail.append(
      event('acme', {
        action: 'approval.decided',
        details: { approvalId: 'apr-1', decision: 'reject', state: 'rejected', reason: 'Alice, not today' },
      }),
    );
    return store;
  }

  it('verifies, exports with the head, and verifies again against that head', async () => {
    const store = await filled();
    expect((await run(['audit', 'verify', '--tenant', 'acme'], store)).out).toMatch(
      /^Audit trail of acme verified: 6 record\(s\)/,
    );
    const exported = await run(['audit', 'export', '--tenant', 'acme', '--format', 'csv'], store);
    // the 6 records and the audit.verified one
    expect(exported.out.split('\n').filter((l) => /^\d+,/.test(l)).length).toBe(7);
    const [, seq, hash] = exported.err.match(/--head-seq (\d+) --head-hash ([0-9a-f]{64})/) ?? [];
    expect(
      (
        await run(
          ['audit', 'verify', '--tenant', 'acme', '--head-seq', seq as string, '--head-hash', hash as string],
          store,
        )
      ).out,
    ).toContain('verified');
    store.storageForTamperTests('acme').splice(6);
    const truncated = await run(
      ['audit', 'verify', '--tenant', 'acme', '--head-seq', seq as string, '--head-hash', hash as string],
      store,
    );
    expect(truncated).toMatchObject({ code: 1, out: expect.stringContaining('BROKEN at record 7 (truncated)') });
  });

  it('prints the compliance report as Markdown and CSV, or writes it and the export to files', async () => {
    const store = await filled();
    const dir = mkdtempSync(join(tmpdir(), 'void-audit-'));
    await run(['audit', 'report', '--tenant', 'acme', '--out', join(dir, 'report.md')], store);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(
      'Approval-gated requests: 1; approved 0, rejected 1',
    );
    await run(['audit', 'export', '--tenant', 'acme', '--out', join(dir, 'trail.jsonl')], store);
    expect(readFileSync(join(dir, 'trail.jsonl'), 'utf8').trim().split('\n').length).toBe(1 + 7);
    rmSync(dir, { recursive: true, force: true });
    expect((await run(['audit', 'report', '--tenant', 'acme', '--since', '2020-01-01'], store)).out).toContain(
      '# Compliance evidence: Acme Payments (acme)',
    );
    expect((await run(['audit', 'report', '--tenant', 'acme', '--format', 'csv'], store)).out).toMatch(
      /^approvalId,requestedAt,requester/,
    );
  });

  it("exports and erases a member's personal data; the chain still verifies", async () => {
    const store = await filled();
    const exported = JSON.parse(
      (await run(['gdpr', 'export', '--tenant', 'acme', '--member', 'alice'], store)).out,
    ) as { personalData: Array<{ value: string }> };
    expect(exported.personalData.map((d) => d.value)).toEqual(['Alice, not today']);
    await expect(run(['gdpr', 'erase', '--tenant', 'acme', '--member', 'alice'], store)).rejects.toThrow(
      'Add --yes to confirm',
    );
    expect((await run(['gdpr', 'erase', '--tenant', 'acme', '--member', 'alice', '--yes'], store)).out).toContain(
      'Erased 1 personal data item(s)',
    );
    expect(await store.personal.forSubject('acme', 'alice', [])).toEqual([]);
    expect(await verifyChain(store, 'acme')).toMatchObject({ ok: true });
    const actions = (await store.range('acme', 0, 100)).map((r) => r.action);
    expect(actions.slice(-2)).toEqual(['gdpr.exported', 'gdpr.erased']);
  });

  it('records the creation of an API token in the trail it can reach, and revokes it', async () => {
    const store = new EmbeddedAuditStore();
    const prefix = uniqueId('void-cli');
    const result = await run(
      ['audit', 'token', 'create', '--tenant', 'acme', '--member', 'erin'],
      store,
      testConfig({ env: { VOID_KEY_PREFIX: prefix } }),
    );
    expect(result.out).toMatch(/^Audit API token tok-[0-9a-f]{12} for erin in acme \(shown once/);
    expect(await store.range('acme', 0, 10)).toEqual([
      expect.objectContaining({
        action: 'audit.token_created',
        target: 'erin',
        details: { tokenId: expect.stringMatching(/^tok-/) },
      }),
    ]);
    const token = result.out.match(/vat_[A-Za-z0-9_-]{43}/)?.[0] as string;
    const id = result.out.match(/tok-[0-9a-f]{12}/)?.[0] as string;
    const tokens = new AuditTokenStore(redis, prefix);
    expect(await tokens.lookup(token)).toMatchObject({ id, memberId: 'erin' });
    expect(
      (await run(['audit', 'token', 'revoke', '--id', id], store, testConfig({ env: { VOID_KEY_PREFIX: prefix } })))
        .out,
    ).toBe(`Audit API token ${id} revoked.\n`);
    expect(await tokens.lookup(token)).toBeUndefined();
    await redis.del(`${prefix}:audit:api-tokens`);
  });

  it('refuses unknown tenants, members and commands with a clear message', async () => {
    const store = new EmbeddedAuditStore();
    await expect(run(['audit', 'verify', '--tenant', 'nosuch'], store)).rejects.toThrow('There is no tenant "nosuch"');
    await expect(run(['gdpr', 'export', '--tenant', 'acme', '--member', 'zed'], store)).rejects.toThrow(
      'There is no member "zed"',
    );
    await expect(run(['audit', 'explode'], store)).rejects.toThrow('Unknown command "void audit explode"');
    expect((await run(['audit', 'help'], store)).out).toContain('void gdpr erase');
  });
});
