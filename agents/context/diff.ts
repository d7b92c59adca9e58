// Unified diff hunks (as GitHub returns them in `patch`) → hunks with new-file line numbers, so that findings and
// review comments land on the right line of the new version.
export interface DiffLine {
  readonly type: 'add' | 'del' | 'context';
  readonly text: string;
  /** Line number in the new file (absent for deleted lines). */
  readonly line?: number;
}

export interface Hunk {
  readonly header: string;
  readonly lines: readonly DiffLine[];
  readonly text: string;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parsePatch(patch: string | undefined): Hunk[] {
  if (!patch) return [];
  const hunks: Hunk[] = [];
  let current: { header: string; lines: DiffLine[]; raw: string[] } | undefined;
  let next = 0;
  for (const raw of patch.split('\n')) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      if (current) hunks.push({ header: current.header, lines: current.lines, text: current.raw.join('\n') });
      current = { header: raw, lines: [], raw: [raw] };
      next = Number(header[1]);
      continue;
    }
    if (!current || raw.startsWith('\\')) continue;
    current.raw.push(raw);
    if (raw.startsWith('+')) current.lines.push({ type: 'add', text: raw.slice(1), line: next++ });
    else if (raw.startsWith('-')) current.lines.push({ type: 'del', text: raw.slice(1) });
    else current.lines.push({ type: 'context', text: raw.slice(1), line: next++ });
  }
  if (current) hunks.push({ header: current.header, lines: current.lines, text: current.raw.join('\n') });
  return hunks;
}

/** The added lines of a patch with their new-file line numbers. */
export function addedLines(patch: string | undefined): Array<{ line: number; text: string }> {
  return parsePatch(patch).flatMap((h) =>
    h.lines
      .filter((l) => l.type === 'add' && l.line !== undefined)
      .map((l) => ({ line: l.line as number, text: l.text })),
  );
}

/** New-file lines a review comment may point at (added or context lines of the diff). */
export function commentableLines(patch: string | undefined): Set<number> {
  return new Set(
    parsePatch(patch).flatMap((h) => h.lines.map((l) => l.line).filter((n): n is number => n !== undefined)),
  );
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
