// The import check that `npm run lint` runs (.dependency-cruiser.cjs, ARCHITECTURE.md "Who owns what") refuses an
// arrow from a lower layer up into the application, an import cycle and a reach for the composition root, shown on a
// miniature tree with all three; and the real tree passes with no baseline of tolerated violations.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };
const fixture = fileURLToPath(new URL('../fixtures/layers', import.meta.url));

async function violations(): Promise<Array<{ rule: string; from: string; to: string }>> {
  const { tsConfig: _ignored, ...options } = config.options;
  const result = await cruise(['bot', 'audit', 'agents', 'integrations'], {
    ...options,
    baseDir: fixture,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  } as never);
  const output = result.output as {
    summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> };
  };
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('the import check', () => {
  it('refuses a lower layer importing the application, and a cycle; a kernel import passes', async () => {
    const found = await violations();
    expect(found).toContainEqual({
      rule: 'lower-layers-import-only-core-of-bot',
      from: 'audit/wrong.ts',
      to: 'bot/app-thing.ts',
    });
    expect(found.filter((v) => v.rule === 'no-cycle').map((v) => [v.from, v.to].sort())).toEqual([
      ['agents/a.ts', 'agents/b.ts'],
    ]);
    expect(found.filter((v) => v.from === 'audit/good.ts')).toEqual([]);
  });

  it('lets only the entry point import the composition root', async () => {
    const found = await violations();
    expect(found.filter((v) => v.rule === 'composition-root-at-the-top')).toEqual([
      { rule: 'composition-root-at-the-top', from: 'integrations/reaches-up.ts', to: 'bot/composition.ts' },
    ]);
  });

  it('runs on the whole tree with no baseline of known violations', () => {
    const pkg = require('../../package.json') as { scripts: Record<string, string> };
    expect(pkg.scripts.deps).toContain('--config .dependency-cruiser.cjs');
    expect(pkg.scripts.deps).not.toContain('--ignore-known');
    expect(pkg.scripts.lint).toContain('deps');
  });
});
