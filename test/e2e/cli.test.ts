// The `void` binary as a newcomer runs it: the console chat answers help and whoami, a job runs, bad
// configuration stops it with a precise message and a non-zero exit.
import { spawn } from 'node:child_process';
import { tempDataDir } from '../helpers/deploy.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIS_URL, uniqueId } from '../helpers/app.js';

function runVoid(
  args: string[],
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/void.mjs', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        REDIS_URL,
        VOID_KEY_PREFIX: uniqueId('cli'),
        VOID_DATA_DIR: tempDataDir(),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('void binary', () => {
  it('opens the console chat with the example tenants when nothing is configured', async () => {
    const { code, stdout, stderr } = await runVoid([], 'help\nwhoami\n/as acme/carol\nwhoami\nstatus\n', {});
    expect(code).toBe(0);
    expect(stderr).toContain('using the example tenants');
    expect(stdout).toContain('alice@acme> help');
    expect(stdout).toContain('deploy <service> [to] <environment> [at <ref>]');
    expect(stdout).toContain('You are Alice Developer (member "alice") in Acme Payments (tenant "acme").');
    expect(stdout).toContain('You are Carol Ops (member "carol")');
    expect(stdout).toMatch(/✅ status done/);
  }, 60_000);

  it('stops with the file, the line, the path and what was expected for a bad tenants file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'void-cli-'));
    const file = join(dir, 'void.yaml');
    writeFileSync(
      file,
      'tenants:\n  - id: acme\n    name: Acme\n    members:\n      - { id: a, name: A, roles: [wizard] }\n',
    );
    const { code, stdout, stderr } = await runVoid(['check-config'], '', { VOID_TENANTS_FILE: file });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Void cannot start: the configuration is invalid.');
    expect(stderr).toContain(
      `${file}:5: tenants[0].members[0].roles[0]: Invalid option: expected one of "developer"|"tech_lead"|` +
        `"devops"|"compliance_officer"|"admin"`,
    );
  }, 30_000);

  it('refuses a bad environment before touching Redis', async () => {
    const { code, stderr } = await runVoid(['--role', 'web'], '', { PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toContain('environment variable PORT');
  }, 30_000);

  it('explains an unknown role flag', async () => {
    const { code, stderr } = await runVoid(['--role', 'everything'], '', {});
    expect(code).toBe(2);
    expect(stderr).toContain('--role must be web, worker or all');
  }, 30_000);
});
