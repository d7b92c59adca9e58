// Profiles B3's pipelines: `node --import tsx test/bench/b3-profile.ts [void|direct|raw] [jobs]`. Runs a warm-up, then
// `jobs` no-op jobs (50 submits in flight, as B3 does) under the inspector's CPU profiler, and prints this process's
// CPU time per job (process.cpuUsage), Redis's CPU per job (INFO cpu: shared with anything else on that Redis) and the
// functions with the most self time (the profiler's own `dispatch` at stop included). B3_PROFILE_OUT=<file> also writes
// the .cpuprofile; B3_HEAP=1 adds bytes allocated per job by function (B3_HEAP_LIVE=1: only what is still alive).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Redis } from 'ioredis';
import { rawBullmq, voidPipeline } from './b3-queue.js';
import { REDIS_URL } from '../helpers/app.js';

/** Redis's own CPU (user + sys, µs) from INFO cpu: shared with whatever else uses this Redis. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (num('used_cpu_user') + num('used_cpu_sys')) * 1e6;
}

const mode = process.argv[2] ?? 'void';
const JOBS = Number(process.argv[3] ?? 3000);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = new URL('../../', import.meta.url).pathname;
const shortUrl = (url: string): string => url.replace(/^.*node_modules\//, 'nm:').replace(`file://${ROOT}`, '');
const where = (f: { functionName: string; url: string; lineNumber: number }): string =>
  `${f.functionName || '(anon)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;

async function main(): Promise<void> {
  const pipeline = mode === 'raw' ? await rawBullmq() : await voidPipeline(32, mode === 'direct');
  const batch = async (from: number, count: number) => {
    const done = pipeline.expect(count);
    for (let i = from; i < from + count; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, from + count - i) }, (_, k) => pipeline.add(i + k)));
    await done;
  };
  await batch(1_000_000, 1000);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const heap = process.env.B3_HEAP === '1';
  if (heap)
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: process.env.B3_HEAP_LIVE !== '1',
      includeObjectsCollectedByMinorGC: process.env.B3_HEAP_LIVE !== '1',
    });
  const probe = new Redis(REDIS_URL);
  const redis0 = await redisCpu(probe);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await batch(0, JOBS);
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const redisUs = (await redisCpu(probe)) - redis0;
  probe.disconnect();
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  if (heap) {
    const { profile: h } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
    const alloc = new Map<string, number>();
    let all = 0;
    const walk = (n: HeapNode) => {
      const key = where(n.callFrame);
      alloc.set(key, (alloc.get(key) ?? 0) + n.selfSize);
      all += n.selfSize;
      n.children.forEach(walk);
    };
    walk(h.head);
    process.stdout.write(`allocated ${(all / JOBS / 1024).toFixed(1)} KiB/job; by function (self):\n`);
    for (const [k, v] of [...alloc].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.B3_HEAP_TOP ?? 40)))
      process.stdout.write(`${(v / JOBS).toFixed(0).padStart(7)} B/job  ${k}\n`);
  }
  await pipeline.close();
  const us = (used.user + used.system) / JOBS;
  process.stdout.write(
    `${mode}: ${JOBS} jobs, ${(JOBS / (wall / 1000)).toFixed(0)} jobs/s, CPU ${us.toFixed(0)} µs/job ` +
      `(user ${(used.user / JOBS).toFixed(0)}, system ${(used.system / JOBS).toFixed(0)}); ` +
      `Redis CPU ${(redisUs / JOBS).toFixed(0)} µs/job\n`,
  );
  if (process.env.B3_PROFILE_OUT) writeFileSync(process.env.B3_PROFILE_OUT, JSON.stringify(profile));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const t = functionName === '(idle)' ? 0 : (self.get(node.id) ?? 0);
    total += t;
    const file = url.replace(/^.*node_modules\//, 'nm:').replace(/^.*\/worker\//, '');
    byFn.set(
      `${functionName || '(anon)'} ${file}:${lineNumber + 1}`,
      (byFn.get(`${functionName || '(anon)'} ${file}:${lineNumber + 1}`) ?? 0) + t,
    );
    const pkg = file.startsWith('nm:')
      ? file
          .split('/')
          .slice(0, file.startsWith('nm:@') ? 2 : 1)
          .join('/')
      : file;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + t);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, v]) => `${(v / JOBS).toFixed(1).padStart(7)} µs/job ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  process.stdout.write(
    `\nself time by file/package:\n${top(byFile, 30)}\n\nself time by function:\n${top(byFn, 50)}\n`,
  );
  process.exit(0);
}

void main();
