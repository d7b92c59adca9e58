// The start-up log warns when Redis keeps nothing on disk (AOF off, no RDB snapshots), saying what a crash would
// lose; with AOF on it says nothing. Real private redis-servers, one of each.
import { afterAll, describe, expect, it } from 'vitest';
import { VoidApp } from '../../bot/app.js';
import { captureLogger, testConfig, uniqueId } from '../helpers/app.js';
import { RedisProcess } from '../helpers/redis-server.js';

const servers: RedisProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
});

async function startupLog(aof: boolean): Promise<string> {
  const redis = await RedisProcess.start(aof);
  servers.push(redis);
  const { log, lines } = captureLogger([], 'info');
  const app = await VoidApp.create(
    testConfig(),
    { role: 'worker', redisUrl: redis.url, prefix: uniqueId('persist'), log },
    [],
  );
  await app.stop(1000);
  return lines.join('\n');
}

describe('Redis persistence at start', () => {
  it('warns without AOF or RDB, naming what a crash loses, and is quiet with AOF on', async () => {
    const volatile = await startupLog(false);
    expect(volatile).toContain('Redis has no persistence (AOF off, no RDB snapshots)');
    expect(volatile).toContain('approval expiry timers');
    expect(volatile).toContain('appendfsync everysec');
    expect(await startupLog(true)).not.toContain('Redis has no persistence');
  });
});
