// B5: audit append (one tenant, 4 writers, each with several appends outstanding as a process serving concurrent
// requests has) and verify, on the durable embedded store (files, every append acknowledged after its O_DSYNC write),
// the in-memory store for comparison, and on MongoDB when MONGODB_URL is set. Also reported: the same writers when each
// awaits its append before the next (1 in flight). Baseline in the same run: SHA-256 over the same records' canonical
// form in a tight loop.
// Targets (PERFORMANCE.md): append ≥ 5,000 records/s; verify ≥ 0.5 × the hashing loop.
//   node --import tsx test/bench/b5-audit.ts        (or: npm run bench:audit)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DurableAuditStore } from '../../audit/durable.store.js';
import { EmbeddedAuditStore } from '../../audit/embedded.store.js';
import { exportHead, exportLines } from '../../audit/export.js';
import { hashRecord } from '../../audit/hash.js';
import { AuditTrail } from '../../audit/trail.js';
import type { AuditRecord, AuditStore } from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import { event } from '../helpers/audit.js';
import { median, report, writeResults, type BenchResult } from './lib.js';

const RECORDS = Number(process.env.B5_RECORDS ?? 20_000);
const WRITERS = Number(process.env.B5_WRITERS ?? 4);
const ROUNDS = Number(process.env.B5_ROUNDS ?? 5);
/** Appends each writer keeps outstanding, as a process serving that many requests at once does (B1 drives 20). */
const IN_FLIGHT = Number(process.env.B5_IN_FLIGHT ?? 8);

/** `WRITERS` trails on one store, each with `inFlight` appends outstanding; every append awaited (acknowledged). */
async function appendRound(
  store: AuditStore,
  tenantId: string,
  records = RECORDS,
  inFlight = IN_FLIGHT,
): Promise<number> {
  const writers = Array.from({ length: WRITERS }, () => new AuditTrail(store, { maxConflictRetries: 1000 }));
  const perWriter = Math.ceil(records / WRITERS);
  const start = performance.now();
  await Promise.all(
    writers.map(async (w, wi) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let i = next++; i < perWriter; i = next++)
            await w.append(
              event(tenantId, {
                correlationId: `b5-${wi}-${i}`,
                details: { kind: 'deploy', approvalId: `apr-${i}`, attempt: 1 },
              }),
            );
        }),
      );
    }),
  );
  return (perWriter * WRITERS) / ((performance.now() - start) / 1000);
}

async function allRecords(store: AuditStore, tenantId: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (
    let page = await store.range(tenantId, 1, 5000);
    page.length;
    page = await store.range(tenantId, (out[out.length - 1]?.seq ?? 0) + 1, 5000)
  )
    out.push(...page);
  return out;
}

/** The baseline: SHA-256 over each record's canonical form, nothing else. */
function hashLoop(records: readonly AuditRecord[]): number {
  const start = performance.now();
  let ok = 0;
  for (const r of records) if (hashRecord(r) === r.hash) ok++;
  if (ok !== records.length) throw new Error('baseline found a broken record');
  return records.length / ((performance.now() - start) / 1000);
}

async function verifyRate(store: AuditStore, tenantId: string, count: number): Promise<number> {
  const start = performance.now();
  const result = await verifyChain(store, tenantId);
  if (!result.ok || result.checked !== count) throw new Error(`verify failed: ${JSON.stringify(result.firstBreak)}`);
  return count / ((performance.now() - start) / 1000);
}

/** Streams a JSON Lines export to nowhere; returns records/s and the largest heap growth seen while streaming (MiB). */
async function exportRound(store: AuditStore, tenantId: string): Promise<{ rate: number; heapMiB: number }> {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let lines = 0;
  const head = await exportHead(store, tenantId, {});
  const start = performance.now();
  for await (const chunk of exportLines(store, head, 'jsonl')) {
    lines += chunk.split('\n').length - 1;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  return { rate: (lines - 1) / ((performance.now() - start) / 1000), heapMiB: (peak - before) / 2 ** 20 };
}

async function legResults(name: string, open: () => Promise<AuditStore>): Promise<BenchResult[]> {
  const append: number[] = [];
  const verify: number[] = [];
  const hashing: number[] = [];
  const exportRate: number[] = [];
  const exportHeap: number[] = [];
  const serial: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const store = await open();
    const tenantId = `b5-${round}-${Date.now()}`;
    serial.push(await appendRound(store, `${tenantId}-serial`, 2000, 1));
    append.push(await appendRound(store, tenantId));
    const records = await allRecords(store, tenantId);
    hashing.push(hashLoop(records));
    verify.push(await verifyRate(store, tenantId, records.length));
    const exported = await exportRound(store, tenantId);
    exportRate.push(exported.rate);
    exportHeap.push(exported.heapMiB);
    await store.close();
  }
  const ratios = verify.map((v, i) => v / (hashing[i] ?? 1));
  return [
    {
      id: 'B5',
      title: `audit append, ${WRITERS} writers × ${IN_FLIGHT} appends in flight, one tenant (${name})`,
      unit: 'records/s',
      target: '≥ 5,000/s',
      void: append,
      met: median(append) >= 5000,
      extra: { [`${WRITERS} writers × 1 in flight (each awaits its append before the next; 2,000 records)`]: serial },
    },
    {
      id: 'B5',
      title: `audit verify (${name}) vs SHA-256 loop over the same records`,
      unit: 'records/s',
      target: '≥ 0.5 ×',
      void: verify,
      baseline: hashing,
      met: median(ratios) >= 0.5,
    },
    {
      id: 'B5',
      title: `audit export, JSON Lines, streamed (${name})`,
      unit: 'records/s',
      target: 'constant memory',
      void: exportRate,
      extra: { 'heap growth while streaming (MiB)': exportHeap },
    },
  ];
}

export async function b5(): Promise<BenchResult[]> {
  const dirs: string[] = [];
  const durable = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'void-b5-'));
    dirs.push(dir);
    return DurableAuditStore.open(join(dir, 'data'));
  };
  const results = await legResults('durable embedded, files, O_DSYNC', durable).finally(() =>
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true })),
  );
  results.push(...(await legResults('in-memory (tests only)', async () => new EmbeddedAuditStore())));
  const url = process.env.MONGODB_URL;
  if (url) {
    const { MongoAuditStore } = await import('../../audit/mongo.store.js');
    results.push(...(await legResults('mongodb', async () => MongoAuditStore.connect(url))));
  } else process.stderr.write('B5 MongoDB leg skipped: MONGODB_URL is not set.\n');
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await b5();
  process.stdout.write(`${report(results)}\n`);
  process.stderr.write(`results written to ${writeResults(results)}\n`);
}
