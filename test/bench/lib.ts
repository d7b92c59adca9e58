// Shared pieces of the benchmarks: statistics, alternating rounds, a Void process tuned for load, reporting.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_YAML } from '../helpers/app.js';

export interface Measurement {
  readonly value: number;
  readonly extra?: Record<string, number>;
}

export interface BenchResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly target: string;
  readonly void: number[];
  readonly baseline?: number[];
  readonly extra?: Record<string, number[]>;
  readonly met?: boolean;
  readonly note?: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs baseline and Void alternately, `rounds` times each, so that machine noise hits both alike. */
export async function alternate(
  rounds: number,
  baseline: () => Promise<Measurement>,
  subject: () => Promise<Measurement>,
): Promise<{ baseline: Measurement[]; subject: Measurement[] }> {
  const out = { baseline: [] as Measurement[], subject: [] as Measurement[] };
  for (let i = 0; i < rounds; i++) {
    out.baseline.push(await baseline());
    out.subject.push(await subject());
  }
  return out;
}

/** Several contenders measured in turn, round after round (A B C A B C …), so drift hits each alike. */
export async function alternateAll(
  rounds: number,
  contenders: ReadonlyArray<() => Promise<Measurement>>,
): Promise<Measurement[][]> {
  const out = contenders.map(() => [] as Measurement[]);
  for (let i = 0; i < rounds; i++) for (const [j, run] of contenders.entries()) out[j]?.push(await run());
  return out;
}

/** The example tenants with limits raised so that a benchmark measures Void, not its rate limiter. */
export const BENCH_YAML = EXAMPLE_YAML.replace('commandsPerMinute: 120', 'commandsPerMinute: 100000000')
  .replace('memberCommandsPerMinute: 30', 'memberCommandsPerMinute: 100000000')
  .replace('concurrentJobs: 10', 'concurrentJobs: 1000')
  .replace('memberConcurrentJobs: 3', 'memberConcurrentJobs: 1000');

export function ratios(result: BenchResult): number[] {
  if (!result.baseline) return [];
  return result.void.map((v, i) => v / (result.baseline?.[i] ?? 1));
}

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

export function report(results: readonly BenchResult[]): string {
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `Node ${process.version}`,
    '',
    '| # | benchmark | unit | Void median (min–max) | baseline median (min–max) | ratio median (min–max) ' +
      '| target | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const v = `${fmt(median(r.void))} (${fmt(Math.min(...r.void))}–${fmt(Math.max(...r.void))})`;
    const b = r.baseline
      ? `${fmt(median(r.baseline))} (${fmt(Math.min(...r.baseline))}–${fmt(Math.max(...r.baseline))})`
      : '—';
    const rs = ratios(r);
    const ratio = rs.length
      ? `${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`
      : '—';
    lines.push(
      `| ${r.id} | ${r.title} | ${r.unit} | ${v} | ${b} | ${ratio} | ${r.target} ` +
        `| ${r.met === undefined ? '—' : r.met ? 'yes' : 'NO'} |`,
    );
    for (const [name, values] of Object.entries(r.extra ?? {})) {
      lines.push(
        `| ${r.id} | ↳ ${name} | | ${fmt(median(values))} ` +
          `(${fmt(Math.min(...values))}–${fmt(Math.max(...values))}) | | | | |`,
      );
    }
    if (r.note) lines.push(`| ${r.id} | ↳ note: ${r.note} | | | | | | |`);
  }
  return lines.join('\n');
}

export function writeResults(results: readonly BenchResult[]): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, results }, null, 2),
  );
  return file;
}
