// The compiled runtime for tests and benchmarks: `npm run build` (deploy/build.mjs: dist/), plus the test-only module
// loader and fixtures compiled beside it (dist/test/…), so that a spawned `void` runs as the container image runs it
// (VOID_RUNTIME=compiled: plain Node, no TypeScript loader) with test modules too. Built once per process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './deploy.js';

/** Test-support files compiled into dist/ (their runtime imports are Void's sources, compiled there already). */
const TEST_SUPPORT = ['test/helpers/test-modules.ts', 'test/fixtures/deploy/slow-status.module.ts'];

let built: string | undefined;

/** Builds dist/ (once per process); returns the compiled path of a test-support file, e.g. a fixture module. */
export function compiledForTests(): { fixture: (path: string) => string } {
  if (!built) {
    const result = spawnSync(process.execPath, [join(ROOT, 'deploy/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
    for (const path of TEST_SUPPORT) {
      const { outputText } = ts.transpileModule(readFileSync(join(ROOT, path), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      const target = join(ROOT, 'dist', path.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    built = join(ROOT, 'dist');
  }
  const dist = built;
  return { fixture: (path) => join(dist, path.replace(/\.ts$/, '.js')) };
}
