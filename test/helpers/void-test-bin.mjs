#!/usr/bin/env node
// The tests' copy of the `void` binary (bin/void.mjs): the same command line, plus the test-only modules named by
// VOID_TEST_MODULES (test-modules.ts). spawnVoid uses it only when a test sets that variable; production code knows
// nothing of it.
import { register } from 'tsx/esm/api';

register();
const { runVoid } = await import('../../bot/cli/main.ts');
const { loadTestModules } = await import('./test-modules.ts');
runVoid(process.argv.slice(2), () => loadTestModules());
