// VOID_TEST_MODULES names extra module files (comma-separated paths; each default-exports a VoidModule) that the
// tests' copy of the `void` binary (void-test-bin.mjs) loads after the built-in modules. Tests use it to give a real
// `void` process a job kind that runs long enough to be interrupted (test/fixtures/deploy/slow-status.module.ts).
// The production binary ignores the variable; every start that loads a test module logs a warning.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VoidError } from '../../bot/core/errors.js';
import type { VoidModule } from '../../bot/modules.js';

export async function loadTestModules(list: string | undefined = process.env.VOID_TEST_MODULES): Promise<VoidModule[]> {
  const modules: VoidModule[] = [];
  for (const path of (list ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const loaded = (await import(pathToFileURL(resolve(path)).href)) as { default?: Partial<VoidModule> };
    const module = loaded.default;
    if (!module || typeof module.name !== 'string' || typeof module.setup !== 'function') {
      throw new VoidError(
        'modules.bad_test_module',
        `${path} (VOID_TEST_MODULES): the default export is not a Void module ({ name, setup }).`,
      );
    }
    const { name, setup } = module as VoidModule;
    modules.push({
      ...(module as VoidModule),
      setup: (ctx, ports) => {
        ctx.log.warn(
          { module: name, path },
          'VOID_TEST_MODULES is set: a test-only module is loaded. Never use this in production.',
        );
        return setup(ctx, ports);
      },
    });
  }
  return modules;
}
