// How the `void` binaries load Void (bin/void.mjs, and the tests' copy test/helpers/void-test-bin.mjs): by default the
// TypeScript sources through tsx (no build step needed to try Void); with VOID_RUNTIME=compiled the JavaScript that
// `npm run build` wrote to dist/, with plain Node: no loader thread (about 45 MB less resident memory per process) and
// a faster start; the container image does this. An unknown runtime, or a compiled run without a build, exits 78.
import { existsSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);
const runtime = process.env.VOID_RUNTIME || 'tsx';
if (runtime !== 'tsx' && runtime !== 'compiled') {
  process.stderr.write(`VOID_RUNTIME must be "tsx" (the default) or "compiled", not "${runtime}".\n`);
  process.exit(78);
}
if (runtime === 'compiled') {
  if (!existsSync(new URL('dist/bot/cli/main.js', ROOT))) {
    process.stderr.write('VOID_RUNTIME=compiled, but dist/ holds no build: run "npm run build" first.\n');
    process.exit(78);
  }
  // Stack traces name the TypeScript sources (dist/ carries source maps), as they do through tsx.
  process.setSourceMapsEnabled(true);
} else {
  const { register } = await import('tsx/esm/api');
  register();
}

/** Imports one of Void's modules by its path from the repository root, without extension (`bot/cli/main`). */
export const importVoid = (path) =>
  import(new URL(runtime === 'compiled' ? `dist/${path}.js` : `${path}.ts`, ROOT).href);
