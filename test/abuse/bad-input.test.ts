// RELIABILITY.md "Bad input" items 1–8 against ONE Void process with every module and every platform configured,
// over real HTTP, on every endpoint where the item applies. Items 9–11 are in abuse-ignored.test.ts.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import {
  authHeaders,
  ENDPOINTS,
  flipped,
  PATHS,
  post,
  startAbuseApp,
  type AbuseApp,
  type Endpoint,
} from '../helpers/abuse.js';
import { prComment, signGitHub, WEBHOOK_SECRET } from '../helpers/github.js';
import { fixture as jiraFixture } from '../helpers/jira.js';
import { postSlack, signSlack, SIGNING_SECRET, slashForm } from '../helpers/slack.js';
import { BOT_APP_ID, fixture as teamsFixture, signToken } from '../helpers/teams.js';

let a: AbuseApp;
const REQUEST_TIMEOUT_MS = 1500;

beforeAll(async () => {
  a = await startAbuseApp({ VOID_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
});
afterAll(async () => a?.stop());
beforeEach(() => a.intercept());

/** A body on `endpoint` that, signed, would make Void act (queue a job or answer). */
function actionable(endpoint: Endpoint, marker: string): string {
  switch (endpoint) {
    case 'slack':
      return slashForm({ text: `review acme/api#42 ${marker}` });
    case 'github':
      return JSON.stringify(prComment(`/void review ${marker}`));
    case 'jira':
      return JSON.stringify(
        jiraFixture('comment_created', (p) => ((p.comment.body = `/void triage ${marker}`), (p.issue.key = 'PAY-1'))),
      );
    case 'teams':
      return JSON.stringify(
        teamsFixture('personal-message', { serviceUrl: a.connector.url, text: `review acme/api#42 ${marker}` }),
      );
  }
}

async function expectNothingDone(before: { jobs: number; outbound: number }): Promise<void> {
  expect(await a.jobs()).toBe(before.jobs);
  expect(a.outbound()).toBe(before.outbound);
}

async function snapshot() {
  await a.quiet();
  return { jobs: await a.jobs(), outbound: a.outbound() };
}

describe('1, 4, 6: a signature with one character flipped', () => {
  it.each(ENDPOINTS)('%s: 401, nothing enqueued, nothing sent, the body not logged', async (endpoint) => {
    const before = await snapshot();
    const marker = `flip-${endpoint}-${Date.now()}`;
    const body = actionable(endpoint, marker);
    const res = await post(a, endpoint, body, flipped(await authHeaders(a, endpoint, body), endpoint));
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(marker);
    await expectNothingDone(before);
    expect(a.logLines.join('')).not.toContain(marker);
  });

  it('the security event is recorded on the system trail (no body)', async () => {
    const trail = await a.app.audit.store.range(SYSTEM_TENANT, 1, 1000);
    const security = trail.filter((r) => r.action.startsWith('security.'));
    expect(security.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(security)).not.toContain('flip-');
  });
});

describe('2: Slack timestamps', () => {
  /** Waits until just after a second boundary, so that "301 s away" is still 301 s when Void reads its clock. */
  async function atSecondStart(): Promise<number> {
    while (Date.now() % 1000 > 100) await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    return Math.floor(Date.now() / 1000);
  }

  it.each([
    ['301 s in the past', -301],
    ['301 s in the future', 301],
  ])('%s: 401, nothing enqueued', async (_name, offset) => {
    const before = await snapshot();
    const now = await atSecondStart();
    const res = await postSlack(a.url, { body: slashForm({ text: 'review acme/api#42' }), ts: now + offset });
    expect(res.status).toBe(401);
    await expectNothingDone(before);
  });

  it.each(['17e8', 'abc', '', '1.7e9', '-1', ' 1700000000'])('timestamp %j: 401, never 500', async (ts) => {
    const body = slashForm({ text: 'help' });
    const res = await postSlack(a.url, { body, unsigned: true, headers: signSlack(body, SIGNING_SECRET, ts) });
    expect(res.status).toBe(401);
  });
});

describe('3: "+", "%20" and emoji are verified against the raw bytes', () => {
  const text = 'whoami a+b %20 🚀 ünï';
  it.each(ENDPOINTS)('%s: accepted (2xx)', async (endpoint) => {
    const body = endpoint === 'slack' ? slashForm({ text }) : actionable(endpoint, text);
    const res = await post(a, endpoint, body, await authHeaders(a, endpoint, body));
    expect(res.status, res.text).toBeGreaterThanOrEqual(200);
    expect(res.status, res.text).toBeLessThan(300);
    await a.quiet();
  });
});

describe('4: GitHub signature variants', () => {
  const body = JSON.stringify(prComment('/void review sha1-only'));
  const base = { 'x-github-event': 'issue_comment', 'x-github-delivery': 'd-sha1' };
  it.each([
    [
      'only the SHA-1 header',
      { 'x-hub-signature': `sha1=${createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex')}` },
    ],
    ['a truncated signature', { 'x-hub-signature-256': signGitHub(body).slice(0, 40) }],
    ['sha256= with nothing after it', { 'x-hub-signature-256': 'sha256=' }],
    ['a signature that is not hex', { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }],
    ['the right HMAC under another secret', { 'x-hub-signature-256': signGitHub(body, 'not-the-secret') }],
  ])('%s: 401, no exception', async (_name, headers) => {
    const before = await snapshot();
    const res = await post(a, 'github', body, { ...base, ...headers });
    expect(res.status).toBe(401);
    await expectNothingDone(before);
    expect(a.logLines.join('')).not.toContain('unhandled error');
  });
});

describe('5: Teams tokens (the other cases: test/integration/teams-auth.test.ts)', () => {
  const activity = () =>
    JSON.stringify(teamsFixture('personal-message', { serviceUrl: a.connector.url, text: 'whoami' }));

  it('a token that is not valid yet (nbf beyond the skew): 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ serviceurl: a.connector.url })
      .setProtectedHeader({ alg: 'RS256', kid: a.key.kid, typ: 'JWT' })
      .setIssuer('https://api.botframework.com')
      .setAudience(BOT_APP_ID)
      .setNotBefore(now + 900)
      .setExpirationTime(now + 3600)
      .sign(a.key.pair.privateKey);
    expect((await post(a, 'teams', activity(), { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('a burst of tokens with unknown kids refreshes the key set at most once', async () => {
    const { createTestKey } = await import('../helpers/teams.js');
    const before = a.openId.keyRequests;
    const strangers = await Promise.all([1, 2, 3].map(() => createTestKey()));
    const tokens = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signToken({ key: strangers[i % 3]!, serviceUrl: a.connector.url })),
    );
    const statuses = await Promise.all(
      tokens.map((token) => post(a, 'teams', activity(), { authorization: `Bearer ${token}` }).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(a.openId.keyRequests - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['no token', 'Bearer'],
    ['three empty parts', 'Bearer a.b.c'],
    ['9,000 characters', `Bearer ${'x'.repeat(9000)}`],
  ])('Authorization with %s: 401', async (_name, header) => {
    expect((await post(a, 'teams', activity(), { authorization: header })).status).toBe(401);
  });
});

describe('7: bodies over the limit and slow clients', () => {
  it.each(ENDPOINTS)('%s: a declared body over the limit → 413 before any byte is buffered', async (endpoint) => {
    const before = await snapshot();
    const status = await new Promise<string>((resolve) => {
      const socket = connect(a.app.port ?? 0, '127.0.0.1', () => {
        const path = PATHS[endpoint].replace(/\/acme$/, ''); // the JIRA route without its tenant, as before
        const head = `content-type: application/json\r\ncontent-length: ${30 * 1024 * 1024}`;
        socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\n${head}\r\n\r\n{`);
      });
      let text = '';
      socket.on('data', (d) => (text += String(d)));
      socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
      socket.on('error', () => undefined);
    });
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');
    await expectNothingDone(before);
  });

  it('a streamed (chunked) body over the limit is cut off, and 20 of them at once leave memory flat', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const heapBefore = process.memoryUsage().heapUsed;
    const one = () =>
      new Promise<string>((resolve) => {
        const socket = connect(a.app.port ?? 0, '127.0.0.1', () => {
          const head = 'content-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked';
          socket.write(`POST /slack/events HTTP/1.1\r\nhost: x\r\n${head}\r\n\r\n`);
          let sent = 0;
          const pump = () => {
            while (sent < 48 && !socket.destroyed) {
              sent += 1;
              if (!socket.write(`${chunk.length.toString(16)}\r\n`) || !socket.write(chunk) || !socket.write('\r\n'))
                return void socket.once('drain', pump);
            }
          };
          pump();
        });
        let text = '';
        socket.on('data', (d) => (text += String(d)));
        socket.on('close', () => resolve(text.split('\r\n')[0] ?? 'closed'));
        socket.on('error', () => undefined);
      });
    const results = await Promise.all(Array.from({ length: 20 }, one));
    for (const r of results) expect(['HTTP/1.1 413 Payload Too Large', 'closed']).toContain(r);
    expect(results).toContain('HTTP/1.1 413 Payload Too Large');
    // 20 × 3 MB were sent; had Void buffered them, the heap would have grown by ~60 MB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  });

  /** Sends headers, then one body byte a second; resolves with the status line Void answered (or 'closed') and when. */
  function trickle(endpoint: Endpoint): Promise<{ outcome: string; took: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const socket = connect(a.app.port ?? 0, '127.0.0.1', () => {
        const head = 'content-type: application/json\r\ncontent-length: 1000';
        socket.write(`POST ${PATHS[endpoint]} HTTP/1.1\r\nhost: x\r\n${head}\r\n\r\n`);
        timer = setInterval(() => socket.write('{'), 1000);
      });
      let text = '';
      socket.on('data', (d) => (text += String(d)));
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ outcome: text.split('\r\n')[0] || 'closed', took: Date.now() - started });
      });
      socket.on('error', () => undefined);
    });
  }

  it(
    'clients sending one byte a second, on every endpoint at once, ' +
      'are cut off by the request timeout, never handled',
    async () => {
      const before = await snapshot();
      const results = await Promise.all(ENDPOINTS.map(trickle));
      for (const { outcome, took } of results) {
        expect(['HTTP/1.1 408 Request Timeout', 'closed']).toContain(outcome);
        expect(took).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
        expect(took).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
      }
      await expectNothingDone(before);
    },
  );
});

describe('8: malformed bodies → 400, and the process lives on', () => {
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
  const cases: Array<[Endpoint, string, string]> = [
    ['slack', 'bad percent-encoding', 'command=%2Fvoid&text=%E0%A4%A&team_id=T0ACME001'],
    ['slack', 'payload that is not JSON', 'payload=%7Bnot-json'],
    ['slack', 'payload nested 10,000 deep', `payload=${encodeURIComponent(deep)}`],
    [
      'slack',
      'payload with __proto__',
      `payload=${encodeURIComponent('{"__proto__":{"admin":true},"type":"block_actions"}')}`,
    ],
    ['slack', 'JSON event that is not JSON', '{"type":"event_callback",'],
    ['github', 'not JSON', '{"action":"created",'],
    ['github', 'nested 10,000 deep', deep],
    ['github', 'an object nested 10,000 deep', deepObject],
    ['github', '__proto__ key', '{"__proto__":{"polluted":true},"action":"created"}'],
    ['jira', 'not JSON', '{"webhookEvent":'],
    ['jira', 'nested 10,000 deep', deep],
    ['jira', 'an object nested 10,000 deep', deepObject],
    ['jira', '__proto__ key', '{"__proto__":{"polluted":true},"webhookEvent":"comment_created"}'],
    ['teams', 'not JSON', '{"type":"message",'],
    ['teams', 'nested 10,000 deep', deep],
    ['teams', 'an object nested 10,000 deep', deepObject],
    ['teams', '__proto__ key', '{"__proto__":{"polluted":true},"type":"message"}'],
  ];
  it.each(cases)('%s, %s, signed: 400', async (endpoint, _name, body) => {
    const before = await snapshot();
    const contentType: Record<string, string> =
      endpoint === 'slack' && body.startsWith('{') ? { 'content-type': 'application/json' } : {};
    const res = await post(a, endpoint, body, { ...(await authHeaders(a, endpoint, body)), ...contentType });
    expect(res.status, res.text).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ message: expect.any(String) });
    await expectNothingDone(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
  });
});
