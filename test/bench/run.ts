// npm run bench [-- b1 b3 …]: runs the benchmarks of PERFORMANCE.md, prints a Markdown table, writes JSON.
import { report, writeResults, type BenchResult } from './lib.js';

type Bench = () => Promise<BenchResult | BenchResult[]>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  b1: async () => (await import('./b1-b2-ingest.js')).b1,
  b2: async () => (await import('./b1-b2-ingest.js')).b2,
  b3: async () => (await import('./b3-queue.js')).b3,
  b4: async () => (await import('./b4-approvals.js')).b4,
  b5: async () => (await import('./b5-audit.js')).b5,
  b6: async () => (await import('./b6-scale.js')).b6,
  b7: async () => (await import('./b7-chat-writes.js')).b7,
};

async function main(): Promise<void> {
  const wanted = process.argv
    .slice(2)
    .map((a) => a.toLowerCase())
    .filter((a) => a in BENCHES);
  const unknown = process.argv.slice(2).filter((a) => !(a.toLowerCase() in BENCHES));
  if (unknown.length) {
    process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const results: BenchResult[] = [];
  for (const id of wanted.length ? wanted : Object.keys(BENCHES)) {
    process.stderr.write(`running ${id}…\n`);
    const bench = await BENCHES[id]?.();
    if (bench) results.push(...[await bench()].flat());
  }
  process.stdout.write(`${report(results)}\n`);
  process.stderr.write(`results written to ${writeResults(results)}\n`);
  process.exit(0);
}

void main();
