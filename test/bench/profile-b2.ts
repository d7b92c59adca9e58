// Per-request CPU of B2's web side: starts Void's web role (or the peer) in this process and drives a fixed number
// of signed issue_comment webhooks at it from a child (load.mjs). Prints µs of this process's CPU per request.
// Usage: [PROFILE=out.cpuprofile] [TALLY=1] node --import tsx test/bench/profile-b2.ts [void|stub|peer|bare] [count]
import { load, startVoid } from './b1-b2-ingest.js';
import { bareOctokit, octokitWithBullmq } from './baselines.js';
import { REDIS_URL } from '../helpers/app.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { RedisTally } from './redis-tally.js';
import { Socket } from 'node:net';

/** Bytes this process writes to Redis (port 6379) while `counting`. */
const toRedis = { bytes: 0, counting: false };
if (process.env.TALLY) {
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (toRedis.counting && this.remotePort === 6379)
      toRedis.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
}

const SECRET = 'bench-signing-secret-0123456789';
const which = process.argv[2] ?? 'void';
const count = Number(process.argv[3] ?? 20_000);

async function main(): Promise<void> {
  const server =
    which === 'peer'
      ? await octokitWithBullmq(SECRET, REDIS_URL)
      : which === 'bare'
        ? await bareOctokit(SECRET)
        : await startVoid('github');
  // `stub`: Void with the intake answered in memory (no Redis): what the HTTP side and the pipeline cost alone.
  if (which === 'stub' && 'app' in server)
    (server.app as unknown as { intake: { submit: () => Promise<unknown> } }).intake.submit = async () => ({
      outcome: 'queued',
      jobId: 'stub',
    });
  const cfg = { url: server.url, kind: 'github', secret: SECRET, connections: 20 };
  await load({ ...cfg, amount: 3000 });
  const session = process.env.PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const tally = process.env.TALLY ? new RedisTally().start() : undefined;
  toRedis.counting = true;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const r = await load({ ...cfg, amount: count });
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t;
  tally?.stop();
  const perRequest = (toRedis.bytes / count).toFixed(0);
  if (tally)
    process.stdout.write(
      `redis: ${JSON.stringify([...tally.commands])}, ${tally.writes} writes, ${perRequest} B/req\n`,
    );
  if (session) writeFileSync(process.env.PROFILE ?? '', JSON.stringify((await session.post('Profiler.stop')).profile));
  const us = (used.user + used.system) / r.total;
  process.stdout.write(
    `${which}: ${r.total} req, ${(r.total / (wall / 1000)).toFixed(0)} req/s, p99 ${r.p99} ms, ` +
      `${us.toFixed(1)} µs CPU/req (user ${(used.user / r.total).toFixed(1)}), non2xx ${r.non2xx}\n`,
  );
  await server.close();
  process.exit(0);
}
void main();
