#!/usr/bin/env node
// The `void` binary: runs the TypeScript sources through tsx (no build step needed to try Void).
import { register } from 'tsx/esm/api';

register();
const { runVoid } = await import('../bot/cli/main.ts');
runVoid(process.argv.slice(2));
