// Counting the Redis round trips of a piece of work with MONITOR: what the ack path of a receiver costs (issue #17,
// ARCHITECTURE.md "The flow of one request": one round trip).
import { Redis } from 'ioredis';
import { REDIS_URL } from './app.js';

/** Redis commands (not those run inside scripts) that name `prefix`, sent while `work` runs. MONITOR lines arrive
 *  asynchronously: an ECHO sent after the work marks the end (Redis reports commands in the order it ran them). */
export async function commandsDuring(prefix: string, work: () => Promise<unknown>): Promise<string[]> {
  const monitor = new Redis(REDIS_URL);
  const marker = new Redis(REDIS_URL);
  const end = `${prefix}:end-of-work`;
  const seen: string[] = [];
  const m = await monitor.monitor();
  // Lines still streaming in when the connection is dropped make ioredis report a "command queue state error": the
  // count is complete by then (the end marker was seen), so that report is noise, not a failure of the work.
  m.on('error', () => undefined);
  monitor.on('error', () => undefined);
  let ended: () => void = () => undefined;
  const endSeen = new Promise<void>((resolve) => (ended = resolve));
  m.on('monitor', (_time: string, args: string[], source: string) => {
    if (args.includes(end)) ended();
    else if (source !== 'lua' && args.some((a) => a.includes(prefix))) seen.push(String(args[0]).toLowerCase());
  });
  try {
    await work();
    await marker.echo(end);
    await endSeen;
  } finally {
    m.disconnect();
    monitor.disconnect();
    marker.disconnect();
  }
  return seen;
}
