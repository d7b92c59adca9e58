// A private redis-server on a free port, for fault tests that restart Redis or need AOF persistence.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pingRedis } from '../../bot/redis.js';

export { freePort };

export class RedisProcess {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'void-redis-'));

  constructor(
    readonly port: number,
    private readonly aof = true,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  static async start(aof = true, extraArgs: readonly string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), aof, extraArgs);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ];
    if (this.aof) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    args.push(...this.extraArgs);
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  ping(): Promise<boolean> {
    return pingRedis(this.url, 300);
  }

  /** Stops the server the hard way (SIGKILL): only what AOF has on disk survives. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}
