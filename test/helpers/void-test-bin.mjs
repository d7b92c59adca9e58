#!/usr/bin/env node
// The tests' copy of the `void` binary (bin/void.mjs): the same command line and the same runtime choice
// (bin/runtime.mjs), plus the test-only modules named by VOID_TEST_MODULES (test-modules.ts). spawnVoid uses it only
// when a test sets that variable; production code knows nothing of it. Compiled, the loader comes from the build too
// (compiledForTests, test/helpers/compiled.ts, compiles it there).
import { importVoid } from '../../bin/runtime.mjs';

const { runVoid } = await importVoid('bot/cli/main');
const { loadTestModules } = await importVoid('test/helpers/test-modules');
runVoid(process.argv.slice(2), () => loadTestModules());
