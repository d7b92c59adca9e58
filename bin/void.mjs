#!/usr/bin/env node
// The `void` binary. bin/runtime.mjs chooses how Void is loaded: the TypeScript sources through tsx (the default), or
// the build in dist/ with plain Node (VOID_RUNTIME=compiled, after `npm run build`).
import { importVoid } from './runtime.mjs';

const { runVoid } = await importVoid('bot/cli/main');
runVoid(process.argv.slice(2));
