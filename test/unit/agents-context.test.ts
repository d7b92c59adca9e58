import { describe, expect, it } from 'vitest';
import { rankFile, selectChunks, ticketKeyIn } from '../../agents/context/context.agent.js';
import { addedLines, commentableLines, parsePatch } from '../../agents/context/diff.js';
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import { fixture, type PullRequestFixture } from '../helpers/agents.js';

function file(path: string, hunks: number, linesPerHunk: number): ChangedFile {
  const patch = Array.from({ length: hunks }, (_, h) =>
    [
      `@@ -${h * 100 + 1},0 +${h * 100 + 1},${linesPerHunk} @@`,
      ...Array.from({ length: linesPerHunk }, (_, i) => `+const v${h}_${i} = ${i}; // some code to fill the budget`),
    ].join('\n'),
  ).join('\n');
  return { path, status: 'modified', additions: hunks * linesPerHunk, deletions: 0, patch };
}

describe('diff parsing', () => {
  it('numbers added and context lines as in the new file', () => {
    const { files } = fixture<PullRequestFixture>('pr-planted.json');
    const lines = addedLines(files[0]?.patch);
    expect(lines.map((l) => l.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 11, 12]);
    expect(lines.find((l) => l.line === 7)?.text).toContain('console.log');
    expect([...commentableLines(files[0]?.patch)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(parsePatch(undefined)).toEqual([]);
  });
});

describe('ContextAgent chunking', () => {
  it('keeps the best-ranked hunks within the budget and lists every omission by name', () => {
    const files = [
      file('package-lock.json', 2, 40),
      file('src/pay.ts', 3, 20),
      file('docs/guide.md', 1, 20),
      file('src/pay.test.ts', 1, 20),
      { path: 'logo.png', status: 'added' as const, additions: 0, deletions: 0 },
    ];
    const { chunks, omitted } = selectChunks(files, 1200);
    const total = chunks.reduce((n, c) => n + c.tokens, 0);
    expect(total).toBeLessThanOrEqual(1200);
    expect(chunks[0]?.path).toBe('src/pay.ts');
    expect(chunks.map((c) => c.path)).not.toContain('package-lock.json');
    const omittedPaths = omitted.map((o) => o.path);
    expect(omittedPaths).toContain('package-lock.json');
    expect(omittedPaths).toContain('logo.png');
    // Nothing vanishes: every file is either (partly) in the context or named as omitted.
    for (const f of files) expect(chunks.some((c) => c.path === f.path) || omittedPaths.includes(f.path)).toBe(true);
  });

  it('ranks flagged source above plain source above generated files', () => {
    const src = file('src/a.ts', 1, 5);
    expect(rankFile(src, new Set(['src/a.ts']))).toBeGreaterThan(rankFile(src, new Set()));
    expect(rankFile(src, new Set())).toBeGreaterThan(rankFile(file('yarn.lock', 1, 5), new Set()));
  });

  it('finds the linked ticket key, limited to the tenant projects', () => {
    expect(ticketKeyIn('PAY-7: orders', ['PAY'])).toBe('PAY-7');
    expect(ticketKeyIn('UTF-8 fix for OPS-3', ['OPS'])).toBe('OPS-3');
    expect(ticketKeyIn('UTF-8 only', ['PAY'])).toBeUndefined();
  });
});
