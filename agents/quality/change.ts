// Change-level rules: what only the whole change shows. Tests removed or disabled (even when other tests change),
// dependency major-version bumps, a manifest changed without its lockfile.
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import { parsePatch } from '../context/diff.js';
import type { Finding } from './types.js';

const TEST = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[a-z]+$|_test\.(go|py)$|(^|\/)test_[^/]+\.py$/;
const TEST_CASE = /^\s*(it|test|describe)(\.each\([^)]*\))?\s*\(|^\s*def test_|^\s*func Test\w+\(|@Test\b/;
const DISABLED = new RegExp(
  [
    String.raw`\b(it|test|describe)\.(skip|only|todo)\s*\(|\b(xit|xdescribe|fit|fdescribe)\s*\(`, // JavaScript
    String.raw`@pytest\.mark\.skip|@unittest\.skip`, // Python
    String.raw`\bt\.Skip\(`, // Go
    String.raw`@Disabled\b|@Ignore\b`, // JUnit
  ].join('|'),
);

function finding(
  path: string,
  line: number,
  ruleId: string,
  severity: Finding['severity'],
  message: string,
  fixHint: string,
): Finding {
  return { path, line, ruleId, severity, message, fixHint, source: 'rules', confidence: 'high' };
}

function testFindings(files: readonly ChangedFile[]): Finding[] {
  const out: Finding[] = [];
  for (const file of files.filter((f) => TEST.test(f.path))) {
    if (file.status === 'removed') {
      out.push(
        finding(
          file.path,
          1,
          'tests.removed',
          'high',
          'A test file was deleted',
          'Keep the tests, or say in the description why they no longer apply and what covers the behaviour now.',
        ),
      );
      continue;
    }
    let removedCases = 0;
    let lastLine = 1;
    for (const hunk of parsePatch(file.patch)) {
      for (const l of hunk.lines) {
        if (l.line !== undefined) lastLine = l.line;
        if (l.type === 'del' && TEST_CASE.test(l.text)) removedCases++;
        if (l.type === 'add' && TEST_CASE.test(l.text)) removedCases--;
        if (l.type === 'add' && DISABLED.test(l.text) && l.line !== undefined) {
          out.push(
            finding(
              file.path,
              l.line,
              'tests.disabled',
              'high',
              'A test is skipped or focused (.skip / .only / xit / skip marker)',
              'Remove the skip or focus marker before merging.',
            ),
          );
        }
      }
    }
    if (removedCases > 0)
      out.push(
        finding(
          file.path,
          lastLine,
          'tests.removed',
          'high',
          `${removedCases} test case(s) removed from this file`,
          'Keep the tests, or explain in the description what covers the behaviour now.',
        ),
      );
  }
  return out;
}

const DEP_LINE = /^\s*"(@?[\w.-]+(?:\/[\w.-]+)?)"\s*:\s*"[~^>=v]*(\d+)\.[^"]*"/;

function majorBumps(file: ChangedFile): Finding[] {
  const before = new Map<string, number>();
  const out: Finding[] = [];
  for (const hunk of parsePatch(file.patch)) {
    for (const l of hunk.lines) {
      const m = DEP_LINE.exec(l.text);
      if (!m || l.type === 'context') continue;
      const [, name = '', major = '0'] = m;
      if (l.type === 'del') before.set(name, Number(major));
      else if (l.line !== undefined && before.has(name) && (before.get(name) ?? 0) < Number(major)) {
        const link = `https://www.npmjs.com/package/${name}?activeTab=versions`;
        out.push(
          finding(
            file.path,
            l.line,
            'deps.major_bump',
            'medium',
            `${name}: major version ${before.get(name)} → ${major} (breaking changes possible); changelog: ${link}`,
            'Read the changelog for breaking changes and check that the tests cover what changed.',
          ),
        );
      }
    }
  }
  return out;
}

const LOCKS: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/(^|\/)package\.json$/, /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|npm-shrinkwrap\.json|bun\.lock)$/],
  [/(^|\/)go\.mod$/, /(^|\/)go\.sum$/],
  [/(^|\/)Cargo\.toml$/, /(^|\/)Cargo\.lock$/],
  [/(^|\/)pyproject\.toml$/, /(^|\/)(poetry\.lock|uv\.lock)$/],
];

function lockMismatch(files: readonly ChangedFile[]): Finding[] {
  const out: Finding[] = [];
  for (const file of files) {
    const pair = LOCKS.find(([manifest]) => manifest.test(file.path));
    if (!pair) continue;
    const dependencyLine = parsePatch(file.patch)
      .flatMap((h) => h.lines)
      .find((l) => l.type === 'add' && l.line !== undefined && DEP_LINE.test(l.text));
    if (!dependencyLine?.line) continue;
    const dir = file.path.replace(/[^/]*$/, '');
    if (files.some((f) => f.path.startsWith(dir) && pair[1].test(f.path.slice(dir.length)))) continue;
    out.push(
      finding(
        file.path,
        dependencyLine.line,
        'deps.lockfile_mismatch',
        'medium',
        'Dependencies changed but the lockfile did not: the lockfile no longer matches its manifest',
        'Run the package manager install and commit the updated lockfile.',
      ),
    );
  }
  return out;
}

type Deps = Record<string, string>;
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

function manifestDeps(text: string): Deps | undefined {
  try {
    const json = JSON.parse(text) as Record<string, Deps | undefined>;
    return Object.assign({}, ...SECTIONS.map((s) => json[s] ?? {})) as Deps;
  } catch {
    return undefined;
  }
}

function lockRootDeps(text: string): Deps | undefined {
  try {
    const root = (JSON.parse(text) as { packages?: Record<string, Record<string, Deps | undefined>> }).packages?.[''];
    return root ? (Object.assign({}, ...SECTIONS.map((s) => root[s] ?? {})) as Deps) : undefined;
  } catch {
    return undefined;
  }
}

/** package-lock.json whose root entry does not list what package.json asks for (both read at the head commit). */
function npmLockDrift(files: readonly ChangedFile[], contents: ReadonlyMap<string, string>): Finding[] {
  const out: Finding[] = [];
  for (const lock of files.filter((f) => /(^|\/)package-lock\.json$/.test(f.path) && f.status !== 'removed')) {
    const manifestPath = lock.path.replace(/package-lock\.json$/, 'package.json');
    const wanted = manifestDeps(contents.get(manifestPath) ?? '');
    const locked = lockRootDeps(contents.get(lock.path) ?? '');
    if (!wanted || !locked) continue;
    const drift = Object.keys({ ...wanted, ...locked })
      .filter((name) => wanted[name] !== locked[name])
      .sort();
    if (!drift.length) continue;
    const manifest = files.find((f) => f.path === manifestPath);
    const anchor = [manifest, lock]
      .map((f) => ({ f, line: addedLineOf(f, drift[0] ?? '') }))
      .find((a) => a.f && a.line);
    if (!anchor?.f || !anchor.line) continue;
    out.push(
      finding(
        anchor.f.path,
        anchor.line,
        'deps.lockfile_mismatch',
        'medium',
        `The lockfile does not match its manifest: ${drift.slice(0, 5).join(', ')}` +
          (drift.length > 5 ? ` and ${drift.length - 5} more` : ''),
        'Run `npm install` and commit package.json and package-lock.json together.',
      ),
    );
  }
  return out;
}

function addedLineOf(file: ChangedFile | undefined, name: string): number | undefined {
  const added = parsePatch(file?.patch)
    .flatMap((h) => h.lines)
    .filter((l) => l.type === 'add' && l.line !== undefined);
  return (added.find((l) => l.text.includes(`"${name}"`)) ?? added[0])?.line;
}

export function changeFindings(
  files: readonly ChangedFile[],
  contents: ReadonlyMap<string, string> = new Map(),
): Finding[] {
  return [
    ...testFindings(files),
    ...files.filter((f) => /(^|\/)package\.json$/.test(f.path)).flatMap(majorBumps),
    ...lockMismatch(files),
    ...npmLockDrift(files, contents),
  ];
}
