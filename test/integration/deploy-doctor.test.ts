// `void doctor` against the real Redis, a fake Slack Web API on loopback and GitHub intercepted by nock: what is
// fine, what is wrong and how to fix it; exit 1 when something must be fixed; never a secret in the output.
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../bot/doctor.js';
import { REDIS_URL } from '../helpers/app.js';
import { spawnVoid, tempTenantsFile } from '../helpers/deploy.js';
import { BOT_TOKEN, FakeSlackApi, SIGNING_SECRET, slackEnv } from '../helpers/slack.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const WEBHOOK_SECRET = 'gh-webhook-secret-77aa10';
const fakes: FakeSlackApi[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
});

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
  const code = await runDoctor({ out: sink, raw: { REDIS_URL, VOID_TENANTS_FILE: tempTenantsFile(), ...env } });
  return { code, out };
}

async function platformEnv(): Promise<{ fake: FakeSlackApi; env: Record<string, string> }> {
  const fake = await new FakeSlackApi().start();
  fakes.push(fake);
  return {
    fake,
    env: { ...slackEnv(fake), GITHUB_APP_ID: '12345', GITHUB_PRIVATE_KEY: PEM, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
  };
}

describe('void doctor', () => {
  it('reports a healthy setup: Redis version and policy, Slack auth.test, GitHub GET /app', async () => {
    const { fake, env } = await platformEnv();
    const github = nock('https://api.github.com')
      .get('/app')
      .matchHeader('authorization', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
      .reply(200, { slug: 'void-test', name: 'Void test' });
    const { code, out } = await doctor(env);
    expect(out).toMatch(/✔ config: 2 tenant\(s\) from .*void\.yaml/);
    expect(out).toMatch(/✔ redis\.version: Redis \d+\.\d+/);
    expect(out).toContain('✔ redis.eviction: maxmemory-policy noeviction');
    expect(out).toMatch(/[✔!] redis\.persistence: /);
    expect(out).toContain('! store: MONGODB_URL is not set');
    expect(out).toContain('✔ slack: auth.test: team T0ACME001');
    expect(out).toContain('✔ github: GET /app: app "void-test"');
    expect(fake.callsOf('auth.test')[0]?.token).toBe(BOT_TOKEN);
    expect(github.isDone()).toBe(true);
    expect(code).toBe(0);
  });

  it('says what is wrong and how to fix it, exits 1, and prints no secret', async () => {
    const { fake, env } = await platformEnv();
    fake.script('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
    nock('https://api.github.com').get('/app').reply(401, { message: 'A JSON web token could not be decoded' });
    const { code, out } = await doctor({ ...env, REDIS_URL: 'redis://:hunter2-redis-password@127.0.0.1:1' });
    expect(code).toBe(1);
    expect(out).toMatch(
      new RegExp(
        String.raw`✘ redis: Redis does not answer at redis:\/\/\*\*\*@127\.0\.0\.1:1 .*\n` +
          String.raw`\s+fix: Start Redis or point REDIS_URL at one`,
      ),
    );
    expect(out).toMatch(/✘ slack: auth\.test refused: invalid_auth\n\s+fix: Check SLACK_BOT_TOKEN/);
    expect(out).toMatch(/✘ github: GET \/app answered 401\n\s+fix: Check GITHUB_APP_ID and GITHUB_PRIVATE_KEY/);
    expect(out).toMatch(/3 problem\(s\) to fix/);
    for (const secret of [
      BOT_TOKEN,
      SIGNING_SECRET,
      WEBHOOK_SECRET,
      'hunter2-redis-password',
      PEM.split('\n')[1] as string,
    ])
      expect(out).not.toContain(secret);
  });

  it('names incomplete platform settings', async () => {
    const { code, out } = await doctor({
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000001',
    });
    expect(code).toBe(1);
    expect(out).toContain(
      '✘ github: GitHub needs GITHUB_APP_ID, GITHUB_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET together',
    );
    expect(out).toContain('✘ teams: MICROSOFT_APP_ID is set without MICROSOFT_APP_PASSWORD');
  });

  it('runs as `void doctor` and lists every configuration problem before anything else', async () => {
    const proc = spawnVoid(['doctor'], { VOID_TENANTS_FILE: '/nonexistent/void.yaml', PORT: 'not-a-port' });
    expect(await proc.exited).toBe(1);
    const out = proc.raw.join('\n');
    expect(out).toContain('✘ config: environment variable PORT');
    expect(out).toContain('- everything else: not checked until the configuration is valid');
  }, 40_000);
});
