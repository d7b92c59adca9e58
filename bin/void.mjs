#!/usr/bin/env node
// The `void` binary: runs the TypeScript sources through tsx (no build step needed to try Void).
import { register } from 'tsx/esm/api';

register();
await import('../bot/cli.ts');
