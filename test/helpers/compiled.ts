// The compiled runtime for tests and benchmarks: the build (deploy/build.mjs) into a folder of its own inside the
// repository (never the checkout's dist/, which a running `void` may be loading from), with copies of the binaries
// beside it (bin/void.mjs, the tests' void-test-bin.mjs and bin/runtime.mjs, which finds dist/ next to it) and the
// test-only module loader and fixtures compiled into it (dist/test/…): a spawned `void` runs as the container image
// runs it (VOID_RUNTIME=compiled: plain Node, no TypeScript loader), test modules too. Built once per process; removed
// by remove() (and, failing that, when the process exits).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './deploy.js';
import { uniqueId } from './app.js';

/** Test-support files compiled into the build (their runtime imports are Void's sources, compiled there already). */
const TEST_SUPPORT = [
  'test/helpers/test-modules.ts',
  'test/fixtures/deploy/slow-status.module.ts',
  'test/fixtures/deploy/broken-setup.module.ts',
];

export interface CompiledBuild {
  /** The `void` binary of this build (bin/void.mjs's copy): run it with VOID_RUNTIME=compiled. */
  readonly bin: string;
  /** The tests' binary of this build (void-test-bin.mjs's copy: adds VOID_TEST_MODULES). */
  readonly testBin: string;
  /** The compiled path of a test-support file, e.g. a fixture module for VOID_TEST_MODULES. */
  fixture(path: string): string;
  /** Deletes the build (the next compiledForTests() builds again). */
  remove(): void;
}

let built: CompiledBuild | undefined;

export function compiledForTests(): CompiledBuild {
  if (built) return built;
  // Inside the repository, so that the compiled files find node_modules and package.json ("type": "module").
  const home = join(ROOT, '.void-test-builds', uniqueId('build'));
  const dist = join(home, 'dist');
  const remove = (): void => {
    rmSync(home, { recursive: true, force: true });
    built = undefined;
  };
  process.once('exit', remove);
  const result = spawnSync(process.execPath, [join(ROOT, 'deploy/build.mjs'), dist], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the build failed:\n${result.stdout}\n${result.stderr}`);
  for (const path of TEST_SUPPORT) {
    const { outputText } = ts.transpileModule(readFileSync(join(ROOT, path), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(dist, path.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // The binaries at the same places relative to the build as in the repository (bin/runtime.mjs finds dist/ beside).
  const copy = (path: string): string => {
    mkdirSync(dirname(join(home, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(home, path));
    return join(home, path);
  };
  copy('bin/runtime.mjs');
  built = {
    bin: copy('bin/void.mjs'),
    testBin: copy('test/helpers/void-test-bin.mjs'),
    fixture: (path) => join(dist, path.replace(/\.ts$/, '.js')),
    remove,
  };
  return built;
}
