// GitHub identities by numeric user id (issue 14 item 4): a renamed login taken by someone else is not the member;
// the member who renamed their own login still is. Login-only entries still work, and `void doctor` warns about
// them and, with --resolve-github-ids, looks the ids up (GitHub's GET /users/{login}, intercepted by nock).
import { Writable } from 'node:stream';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../bot/doctor.js';
import { ConfigError, parseTenantsYaml } from '../../bot/config/load.js';
import { REDIS_URL } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import { fakeGithubApi } from '../helpers/github-api.js';
import { deliver, GITHUB_API, githubEnv, prComment } from '../helpers/github.js';
import { GITHUB_TENANTS, processorsModule, startGithubApp, type GithubTestApp } from '../helpers/github-app.js';

const ALICE_ID = 583231;
const YAML = GITHUB_TENANTS.replace(
  'identities: { github: [alice, alice-ci-bot] }',
  `identities: { github: [{ id: ${ALICE_ID}, login: alice }, alice-ci-bot] }`,
);

let running: GithubTestApp[] = [];
afterEach(async () => {
  await Promise.all(
    running.map(async (t) => {
      await t.github.idle();
      await t.stop();
    }),
  );
  running = [];
});

async function start(): Promise<GithubTestApp> {
  const t = await startGithubApp({
    yaml: YAML,
    modules: [processorsModule({ review: () => async () => ({ summary: 'reviewed' }) })],
  });
  running.push(t);
  return t;
}

const jobs = (t: GithubTestApp) => t.app.queue.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);

describe('a member given by GitHub user id', () => {
  it('is matched by sender.id: the same login with another id is not alice, a new login with her id is', async () => {
    expect(YAML).toContain(`{ id: ${ALICE_ID}, login: alice }`);
    const t = await start();
    const api = fakeGithubApi();

    const impostor = await deliver(
      t.url,
      'issue_comment',
      prComment('/void review', { login: 'alice', userId: 999_001 }),
    );
    await t.github.idle();
    expect(impostor.status).toBe(202);
    expect(await jobs(t)).toHaveLength(0);
    expect(api.texts().join('\n')).toMatch(/Void did not act on this: your github account is not linked/);
    const rejected = (await t.app.audit.store.range('acme', 1, 100)).filter((r) => r.action === 'request.rejected');
    expect(rejected.map((r) => [r.actor.platformUserId, r.actor.memberId, r.details?.code])).toEqual([
      ['alice', undefined, 'identity.unknown_user'],
    ]);

    const renamed = await deliver(
      t.url,
      'issue_comment',
      prComment('/void review', { login: 'alice-new-name', userId: ALICE_ID }),
    );
    await t.github.idle();
    expect(renamed.status).toBe(202);
    expect((await jobs(t)).map((j) => [j.data.requester.memberId, j.data.requester.platformUserId])).toEqual([
      ['alice', 'alice-new-name'],
    ]);
  });

  it('leaves login-only entries working (bob), so that existing files keep their meaning', async () => {
    const t = await start();
    fakeGithubApi();
    await deliver(t.url, 'issue_comment', prComment('/void review', { login: 'bob', userId: 12 }));
    await t.github.idle();
    expect((await jobs(t)).map((j) => j.data.requester.memberId)).toEqual(['bob']);
  });
});

describe('the tenants file', () => {
  it(
    'accepts { id, login } and refuses an id that is ' + 'not a positive integer or a login with "#", with the path',
    () => {
      expect(() => parseTenantsYaml(YAML, 't.yaml')).not.toThrow();
      const bad = YAML.replace(`id: ${ALICE_ID}, login: alice`, 'id: alice, login: alice');
      expect(() => parseTenantsYaml(bad, 't.yaml')).toThrow(ConfigError);
      expect(() => parseTenantsYaml(bad, 't.yaml')).toThrow(/tenants\[0\]\.members\[0\]\.identities\.github/);
      expect(() => parseTenantsYaml(YAML.replace('github: bob', 'github: "bob#12"'), 't.yaml')).toThrow(
        /numeric id as \{ id: 583231, login: alice \}/,
      );
    },
  );

  it('refuses one GitHub id linked to two members', () => {
    const twice = YAML.replace(
      'identities: { github: bob }',
      `identities: { github: { id: ${ALICE_ID}, login: bob } }`,
    );
    expect(() => parseTenantsYaml(twice, 't.yaml')).toThrow(/already linked to member "alice"/);
  });
});

describe('void doctor', () => {
  async function doctor(extra: { resolveGithubIds?: boolean } = {}): Promise<{ code: number; out: string }> {
    let out = '';
    const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
    const code = await runDoctor({
      out: sink,
      raw: { REDIS_URL, VOID_TENANTS_FILE: tempTenantsFile(YAML), ...githubEnv() },
      ...extra,
    });
    return { code, out };
  }

  it('warns about every member given by login only, and names the fix', async () => {
    nock(GITHUB_API).get('/app').reply(200, { slug: 'void-test', name: 'Void test' });
    const { out } = await doctor();
    expect(out).toContain(
      '! config: tenant acme: GitHub identities given by login only: alice (alice-ci-bot), bob (bob), ' +
        'erin (erin), reviewer (void-reviewer).',
    );
    expect(out).toContain('void doctor --resolve-github-ids');
    expect(out).toContain('! config: tenant globex: GitHub identities given by login only: gina (gina).');
    expect(out).not.toMatch(/alice \(alice\)/);
  });

  it(
    '--resolve-github-ids prints the entry to paste for each login, ' + 'and says which login GitHub does not know',
    async () => {
      const users = nock(GITHUB_API)
        .get('/users/alice-ci-bot')
        .reply(200, { login: 'alice-ci-bot', id: 7001 })
        .get('/users/bob')
        .reply(200, { login: 'Bob', id: 7002 })
        .get('/users/erin')
        .reply(200, { login: 'erin', id: 7003 })
        .get('/users/void-reviewer')
        .reply(200, { login: 'void-reviewer', id: 7004 })
        .get('/users/gina')
        .reply(404, { message: 'Not Found' });
      const { code, out } = await doctor({ resolveGithubIds: true });
      expect(users.isDone()).toBe(true);
      expect(out).toContain('tenant acme, member bob:  github: { id: 7002, login: Bob }');
      expect(out).toContain('tenant acme, member alice:  github: { id: 7001, login: alice-ci-bot }');
      expect(out).toContain('tenant globex, member gina: gina: no such GitHub user');
      expect(code).toBe(1);
    },
  );
});
