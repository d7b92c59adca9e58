// Property-based fuzzing (fast-check) of every inbound endpoint of one fully configured Void process, over real HTTP:
// random bodies (strings, JSON values, form fields, mutations of real platform bodies) and random headers (the
// platforms' own header names with random values, random content types). Unsigned: always a 4xx, nothing queued,
// nothing sent. Signed (the platform's real scheme over the random bytes): never a 5xx. Afterwards the process
// still answers /healthz and never logged an unhandled route error.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authHeaders, ENDPOINTS, PATHS, startAbuseApp, type AbuseApp, type Endpoint } from '../helpers/abuse.js';
import { prComment } from '../helpers/github.js';
import { fixture as jiraFixture } from '../helpers/jira.js';
import { slashForm } from '../helpers/slack.js';
import { fixture as teamsFixture } from '../helpers/teams.js';

const RUNS = Number(process.env.ABUSE_FUZZ_RUNS ?? 150);
let a: AbuseApp;

beforeAll(async () => {
  a = await startAbuseApp();
});
afterAll(async () => a?.stop());
beforeEach(() => a.intercept());

function realBody(endpoint: Endpoint): string {
  switch (endpoint) {
    case 'slack':
      return slashForm({ text: 'whoami' }).replace(
        encodeURIComponent('https://hooks.slack.com/commands/1234/5678'),
        encodeURIComponent(`${a.slack.url}/commands/1234/5678`),
      );
    case 'github':
      // A comment without a command: accepted mutations go through parsing and mapping but post nothing, because
      // GitHub writes are paced at one a second by the throttling plugin (commands through GitHub: ignored.test.ts).
      return JSON.stringify(prComment('looks good to me'));
    case 'jira':
      return JSON.stringify(
        jiraFixture('comment_created', (p) => ((p.issue.key = 'PAY-1'), (p.comment.body = '/void whoami'))),
      );
    case 'teams':
      return JSON.stringify(teamsFixture('personal-message', { serviceUrl: a.connector.url, text: 'whoami' }));
  }
}

const PLATFORM_HEADERS = [
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-slack-retry-num',
  'x-slack-retry-reason',
  'x-github-event',
  'x-github-delivery',
  'x-hub-signature-256',
  'x-hub-signature',
  'x-atlassian-webhook-identifier',
  'authorization',
  'content-type',
  'content-encoding',
];
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
  fc.constantFrom(
    'v0=',
    'sha256=',
    'Bearer ',
    'application/json',
    'application/x-www-form-urlencoded',
    'gzip',
    '0',
    '-1',
    'issue_comment',
    'ping',
    'star',
  ),
);
const headers = fc.dictionary(
  fc.oneof(fc.constantFrom(...PLATFORM_HEADERS), fc.stringMatching(/^x-[a-z0-9-]{1,20}$/)),
  headerValue,
  { maxKeys: 6 },
);

function body(endpoint: Endpoint): fc.Arbitrary<string> {
  const real = realBody(endpoint);
  const mutation = fc
    .tuple(fc.nat({ max: real.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 12 }))
    .map(([at, cut, insert]) => real.slice(0, at) + insert + real.slice(at + cut));
  const form = fc
    .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 6 })
    .map((d) => new URLSearchParams(d).toString());
  const jsonText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null');
  const payload = fc.jsonValue({ maxDepth: 3 }).map((v) => `payload=${encodeURIComponent(JSON.stringify(v) ?? '')}`);
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    jsonText,
    form,
    payload,
    mutation,
    fc.constant(''),
  );
}

async function send(endpoint: Endpoint, raw: string, extra: Record<string, string>): Promise<number> {
  const res = await fetch(`${a.url}${PATHS[endpoint]}`, { method: 'POST', headers: extra, body: raw });
  await res.arrayBuffer();
  return res.status;
}

describe.each(ENDPOINTS)('%s', (endpoint) => {
  it(`unsigned: ${RUNS} random requests → 4xx, nothing queued, nothing sent`, { timeout: 60_000 }, async () => {
    await a.quiet();
    const jobs = await a.jobs();
    const outbound = a.outbound();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body(endpoint), headers, async (raw, extra) => {
        const status = await send(endpoint, raw, extra);
        statuses.add(status);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    await a.quiet();
    expect(await a.jobs()).toBe(jobs);
    expect(a.outbound()).toBe(outbound);
    expect(statuses.has(401) || statuses.has(400)).toBe(true);
  });

  it(`signed: ${RUNS} random bodies with random extra headers → never a 5xx`, { timeout: 60_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body(endpoint), headers, async (raw, extra) => {
        const signed = { ...extra, ...(await authHeaders(a, endpoint, raw)) };
        if (endpoint !== 'slack' && !('content-type' in extra)) signed['content-type'] = 'application/json';
        const status = await send(endpoint, raw, signed);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    // The signed requests got past authentication: most of them are refused as bodies (400), not as signatures (401).
    expect(statuses.get(400) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    await a.quiet();
  });
});

describe('audit API', () => {
  it(
    `${RUNS} random tenants, paths, queries and Authorization headers → never a 5xx, never a record without a token`,
    { timeout: 60_000 },
    async () => {
      const segment = fc.oneof(
        fc.constantFrom('acme', 'globex', 'nosuch', '..', '%2e%2e', '%00', 'audit'),
        fc.stringMatching(/^[A-Za-z0-9._~%-]{1,20}$/),
      );
      const query = fc.dictionary(
        fc.constantFrom('actor', 'action', 'target', 'from', 'to', 'cursor', 'limit', 'format', 'outcome', 'x'),
        fc.string({ maxLength: 30 }),
        { maxKeys: 4 },
      );
      const auth = fc.option(
        fc.oneof(
          fc.constant('Bearer '),
          fc.stringMatching(/^Bearer vat_[A-Za-z0-9_-]{0,50}$/),
          fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
        ),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(
          segment,
          fc.constantFrom('', '/verify', '/export'),
          query,
          auth,
          async (tenant, tail, q, authorization) => {
            const res = await fetch(
              `${a.url}/api/tenants/${tenant}/audit${tail}?${new URLSearchParams(q).toString()}`,
              { headers: authorization ? { authorization } : {} },
            );
            const text = await res.text();
            expect(res.status).toBeLessThan(500);
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(text).not.toContain('"seq"');
          },
        ),
        { numRuns: RUNS },
      );
    },
  );
});

describe('after the fuzzing', () => {
  it('the process still answers, and no route ever failed unhandled', async () => {
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect(a.logLines.filter((l) => l.includes('unhandled error in route'))).toEqual([]);
  });
});
