#!/usr/bin/env node
// The tests' copy of the `void` binary (bin/void.mjs): the same command line, plus the test-only modules named by
// VOID_TEST_MODULES (test-modules.ts). spawnVoid uses it only when a test sets that variable; production code knows
// nothing of it. With VOID_RUNTIME=compiled it runs the build in dist/ (npm run build), and the test modules as
// compiled there by compiledForTests() (test/helpers/compiled.ts), as bin/void.mjs would: no TypeScript loader.
const compiled = process.env.VOID_RUNTIME === 'compiled';
if (compiled) process.setSourceMapsEnabled(true);
else {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runVoid } = await import(compiled ? '../../dist/bot/cli/main.js' : '../../bot/cli/main.ts');
const { loadTestModules } = await import(compiled ? '../../dist/test/helpers/test-modules.js' : './test-modules.ts');
runVoid(process.argv.slice(2), () => loadTestModules());
