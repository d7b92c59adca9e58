#!/usr/bin/env node
// `npm run build`: compiles Void's sources to JavaScript in dist/ (tsc with deploy/tsconfig.build.json: the same
// compiler settings that `npm run typecheck` checks) and copies the files they read at run time (dashboard assets,
// manifests, the example tenants file) beside them. `VOID_RUNTIME=compiled void …` then runs dist/ with plain Node:
// no TypeScript loader thread, about 45 MB less resident memory per process and a faster start (docs/operations.md
// "Memory"). Without it, bin/void.mjs runs the sources through tsx. `node deploy/build.mjs <folder>` builds into
// another folder inside the repository (the tests do: never the dist/ that a running `void` may be loading from).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.argv[2] ? resolve(process.argv[2]) : join(ROOT, 'dist');
const SOURCES = ['bot', 'agents', 'audit', 'approvals', 'integrations'];

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(
  process.execPath,
  [tsc, '-p', join(ROOT, 'deploy/tsconfig.build.json'), '--outDir', DIST],
  { stdio: 'inherit' },
);
if (compiled.status !== 0) {
  process.stderr.write('void build: tsc failed; dist/ is incomplete and must not be used\n');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(compiled.status ?? 1);
}

/** Every file of a source tree that is not TypeScript (read at run time next to the code that reads it). */
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!name.endsWith('.ts')) {
      const target = join(DIST, relative(ROOT, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
for (const dir of SOURCES) copyAssets(join(ROOT, dir));
copyFileSync(join(ROOT, 'void.example.yaml'), join(DIST, 'void.example.yaml'));
writeFileSync(join(DIST, 'BUILD'), `built ${new Date().toISOString()} by tsc from ${SOURCES.join(', ')}\n`);
process.stdout.write(`void build: ${relative(process.cwd(), DIST) || '.'} ready (run with VOID_RUNTIME=compiled)\n`);
