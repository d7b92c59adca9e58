// The `void policy explain` binary: a dry run from the terminal against a tenants file, no Redis needed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { policyCli } from '../../approvals/cli.js';
import { testConfig } from '../helpers/app.js';
import { approvalsYaml } from '../helpers/approvals.js';

const run = promisify(execFile);

async function voidCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' };
  try {
    const { stdout, stderr } = await run('node', ['bin/void.mjs', ...args], { env, timeout: 50_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('void policy explain (CLI)', () => {
  it(
    'explains the matching rule for a member of the shipped example, and flags an unmeetable quorum',
    { timeout: 60_000 },
    async () => {
      const out = await voidCli(['policy', 'explain', 'deploy', 'payments', 'to', 'production', '--as', 'acme/bob']);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('Rule "production-deploys" (policies.rules[0]) applies.');
      expect(out.stdout).toContain('⚠️ The quorum can never be met for Bob Lead');
      expect(out.stdout).toContain('Dry run: nothing was requested');
    },
  );

  it('reads the tenants file, and answers unknown members and bad commands with exit code 2', () => {
    const config = testConfig({ yaml: approvalsYaml() });
    const ok = policyCli(config, ['explain', 'deploy', 'payments', 'to', 'critical'], 'alice');
    expect(ok.code).toBe(0);
    expect(ok.text).toContain('Rule "critical-deploys" (policies.rules[1]) applies.');
    expect(ok.text).toContain('The quorum can be met');
    expect(policyCli(config, ['explain', 'status'], 'zed')).toMatchObject({
      code: 2,
      text: expect.stringContaining('No member "zed"'),
    });
    expect(policyCli(config, ['explain', 'approve', 'x'], 'alice')).toMatchObject({
      code: 2,
      text: expect.stringContaining('name the command to explain'),
    });
    expect(policyCli(config, ['explain', 'status'], undefined)).toMatchObject({
      code: 2,
      text: expect.stringContaining('--as'),
    });
  });
});
