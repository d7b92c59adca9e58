// `npm run eval:review`: scores Void's deterministic review engine on the corpus under test/fixtures/review
// (provenance and licences in its README). Secrets: recall and false-positive rate per family and per form, on
// secretlint's and detect-secrets' own test data, Void's labelled cases, and every token value rendered in seven
// forms. Pull requests: the share of planted issues found on the right line, and blocking findings on clean ones.
// Exit code 1 when a target of issue 18 is missed (recall ≥ 0.95, false positives ≤ 0.05, PRs ≥ 80 %, clean ones
// without a blocking finding).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { QualityAgent } from '../../agents/quality/quality.agent.js';
import { scanSecrets } from '../../agents/quality/secrets.js';
import { isBlocking } from '../../agents/quality/types.js';
import type { ChangedFile } from '../../bot/core/vcs.port.js';

const ROOT = resolve(import.meta.dirname, '../fixtures/review');
const load = <T>(path: string): T => JSON.parse(readFileSync(resolve(ROOT, path), 'utf8')) as T;

interface Tally {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  misses: string[];
  alarms: string[];
}
const tallies = new Map<string, Tally>();
function count(keys: string[], secret: boolean, flagged: boolean, label: string): void {
  for (const key of keys) {
    const t = tallies.get(key) ?? { tp: 0, fn: 0, fp: 0, tn: 0, misses: [], alarms: [] };
    if (secret && flagged) t.tp++;
    else if (secret) {
      t.fn++;
      t.misses.push(label);
    } else if (flagged) {
      t.fp++;
      t.alarms.push(label);
    } else t.tn++;
    tallies.set(key, t);
  }
}

/** Lines (1-based) each span touches. */
async function flaggedLines(text: string, path: string): Promise<Set<number>> {
  const lines = new Set<number>();
  for (const s of await scanSecrets(text, path)) {
    const last = text.slice(0, s.endIndex).split('\n').length;
    for (let l = s.line; l <= last; l++) lines.add(l);
  }
  return lines;
}

async function secretlintCorpus(): Promise<number> {
  let extra = 0;
  for (const c of load<
    Array<{ id: string; family: string; file: string; ranges: Array<[number, number]>; content: string }>
  >('secrets/secretlint-cases.json')) {
    const flagged = await flaggedLines(c.content, c.file);
    const inRange = (l: number) => c.ranges.some(([from, to]) => l >= from && l <= to);
    if (!c.ranges.length) count([`family ${c.family}`, 'source secretlint', 'all'], false, flagged.size > 0, c.id);
    for (const [from, to] of c.ranges)
      count(
        [`family ${c.family}`, 'source secretlint', 'all'],
        true,
        [...flagged].some((l) => l >= from && l <= to),
        `${c.id}:${from}`,
      );
    if (c.ranges.length)
      extra += [...flagged].filter((l) => !inRange(l) && c.content.split('\n')[l - 1]?.trim()).length;
  }
  return extra;
}

async function lineCorpora(): Promise<void> {
  for (const c of load<Array<{ family: string; text: string; secret: boolean }>>('secrets/detect-secrets-cases.json')) {
    count(
      [`family ${c.family}`, 'source detect-secrets', 'all'],
      c.secret,
      (await scanSecrets(c.text, 'input.txt')).length > 0,
      `${c.family}: ${c.text.slice(0, 60)}`,
    );
  }
  const labelled = load<{
    cases: Array<{ family: string; form: string; file: string; text: string; secret: boolean }>;
    values: Array<[string, string, string]>;
  }>('secrets/void-labelled.json');
  for (const c of labelled.cases) {
    count(
      [`family ${c.family}`, `form ${c.form}`, 'source void-labelled', 'all'],
      c.secret,
      (await scanSecrets(c.text, c.file)).length > 0,
      `${c.family} ${c.form}`,
    );
  }
  for (const [family, name, value] of labelled.values) {
    const snake = name.toLowerCase();
    const camel = snake.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase());
    const forms: Array<[string, string, string]> = [
      ['quoted code literal', 'src/config.ts', `const ${camel} = "${value}";`],
      ['.env KEY=value', '.env', `${name}=${value}`],
      ['yaml key: value', 'config.yaml', `${snake}: ${value}`],
      ['yaml quoted', 'config.yaml', `${snake}: "${value}"`],
      ['json', 'config.json', `{ "${snake}": "${value}" }`],
      ['python', 'settings.py', `${name} = '${value}'`],
      ['shell export', 'deploy.sh', `export ${name}=${value}`],
    ];
    for (const [form, file, text] of forms)
      count(
        [`family ${family}`, `form ${form}`, 'source forms', 'all'],
        true,
        (await scanSecrets(text, file)).length > 0,
        `${family} in ${form}`,
      );
  }
}

interface PullRequest {
  name: string;
  clean: boolean;
  planted: Array<{ path: string; line: number; rule: string }>;
  files: Array<ChangedFile & { content?: string }>;
}

async function pullRequests(): Promise<{ found: number; planted: number; cleanBlocked: string[]; rows: string[] }> {
  const rows: string[] = [];
  let found = 0;
  let planted = 0;
  const cleanBlocked: string[] = [];
  for (const pr of load<PullRequest[]>('prs/prs.json')) {
    const contents = new Map(pr.files.filter((f) => f.content !== undefined).map((f) => [f.path, f.content as string]));
    const { findings } = await new QualityAgent().review(pr.files, contents);
    const hits = pr.planted.filter((p) =>
      findings.some((f) => f.path === p.path && f.line === p.line && f.ruleId.startsWith(p.rule)),
    );
    found += hits.length;
    planted += pr.planted.length;
    const blocking = findings.filter(isBlocking);
    if (pr.clean && blocking.length)
      cleanBlocked.push(`${pr.name}: ${blocking.map((f) => `${f.path}:${f.line} ${f.ruleId}`).join(', ')}`);
    const missed = pr.planted.filter((p) => !hits.includes(p)).map((p) => `${p.rule}@${p.path}:${p.line}`);
    rows.push(
      `| ${pr.name} | ${pr.clean ? 'clean' : `${hits.length}/${pr.planted.length}`} | ${blocking.length} ` +
        `| ${missed.join(', ') || '—'} |`,
    );
  }
  return { found, planted, cleanBlocked, rows };
}

const ratio = (n: number, d: number) => (d ? (n / d).toFixed(3) : '—');

async function main(): Promise<void> {
  const started = performance.now();
  const extra = await secretlintCorpus();
  await lineCorpora();
  console.log(
    '## Secrets\n\n| group | positives | recall | negatives | false-positive rate |\n| --- | --- | --- | --- | --- |',
  );
  const keys = [...tallies.keys()].sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b)));
  for (const key of keys) {
    const t = tallies.get(key) as Tally;
    console.log(
      `| ${key} | ${t.tp + t.fn} | ${ratio(t.tp, t.tp + t.fn)} | ${t.fp + t.tn} | ${ratio(t.fp, t.fp + t.tn)} |`,
    );
  }
  const all = tallies.get('all') as Tally;
  if (all.misses.length) console.log(`\nMissed: ${all.misses.join('; ')}`);
  if (all.alarms.length) console.log(`False alarms: ${all.alarms.join('; ')}`);
  console.log(`Findings on other non-empty lines of secretlint's positive cases: ${extra}`);
  const prs = await pullRequests();
  console.log(
    '\n## Pull requests\n\n| pull request | planted found | blocking findings | missed |\n| --- | --- | --- | --- |',
  );
  for (const row of prs.rows) console.log(row);
  console.log(
    `\nPlanted issues found on the right line: ${prs.found}/${prs.planted} (${ratio(prs.found, prs.planted)}); ` +
      `clean pull requests with a blocking ` +
      `finding: ${prs.cleanBlocked.length}${prs.cleanBlocked.length ? ` (${prs.cleanBlocked.join('; ')})` : ''}`,
  );
  const recall = all.tp / (all.tp + all.fn);
  const fpr = all.fp / (all.fp + all.tn);
  const ok = recall >= 0.95 && fpr <= 0.05 && prs.found / prs.planted >= 0.8 && !prs.cleanBlocked.length;
  console.log(
    `\nSecrets: recall ${recall.toFixed(3)}, false-positive ` +
      `rate ${fpr.toFixed(3)}. ${ok ? 'All targets met.' : 'A target is missed.'} ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  process.exitCode = ok ? 0 : 1;
}

await main();
