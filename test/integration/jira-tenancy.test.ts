// "No one speaks for anyone else", JIRA side, driven as an attacker would: two tenants, each JIRA site with its own
// webhook secret; real signed HTTP into POST /jira/webhooks[/<tenant>]; JIRA's REST API faked behind nock. The secret
// that verified a delivery decides its tenant and site; tickets outside the tenant's projects are never touched.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_TENANT } from '../../audit/types.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { captureAppLogger, startTestApp, testConfig, type TestApp } from '../helpers/app.js';
import {
  BOB_JIRA,
  deliver,
  FakeJira,
  fixture,
  GLOBEX_JIRA_SECRET,
  JIRA_ENV,
  JIRA_SECRET,
  JIRA_TENANTS,
  jiraModule,
} from '../helpers/jira.js';
import { handled } from '../helpers/jira-webhooks.js';
import { FakeSlackApi, postSlack, slackEnv, slashForm } from '../helpers/slack.js';

let t: TestApp;
let acmeJira: FakeJira;
let globexJira: FakeJira;
let logLines: string[] = [];
let n = 0;
const id = () => `jira-tenancy-${Date.now()}-${n++}`;

const records = (tenant: string) => t.app.audit.store.range(tenant, 1, 1000);

/**
 * A comment by Bob (acme's tech lead; Atlassian account ids are not secret) on acme's PAY-12, as acme's JIRA sends it.
 */
const bobSpeaks = () =>
  fixture('comment_created', (p) => {
    p.comment.body = '/void whoami';
    p.comment.author.accountId = BOB_JIRA;
  });

beforeEach(async () => {
  acmeJira = new FakeJira().install();
  globexJira = new FakeJira('https://globex.atlassian.net').install();
  acmeJira.addIssue('PAY-12');
  acmeJira.addIssue('HR-5');
  const config = testConfig({ yaml: JIRA_TENANTS, env: JIRA_ENV });
  const captured = captureAppLogger(config);
  logLines = captured.lines;
  t = await startTestApp({ config, modules: [jiraModule], log: captured.log });
});

afterEach(async () => {
  await t.stop();
});

describe('the JIRA webhook secret that verified a delivery decides its tenant', () => {
  it(
    "a delivery signed with globex's secret that names acme's site " +
      'and Bob is refused (401), recorded, and never a command of acme',
    async () => {
      const res = await deliver(t.url, bobSpeaks(), { id: id(), tenant: 'globex', secret: GLOBEX_JIRA_SECRET });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('jira.wrong_site');
      const viaQuery = fixture('comment_created', (p) => {
        delete p.issue.self;
        delete p.comment.self;
        p.comment.body = '/void whoami';
      });
      const query = `?site=${encodeURIComponent('https://acme.atlassian.net')}`;
      expect(
        (await deliver(t.url, viaQuery, { id: id(), tenant: 'globex', secret: GLOBEX_JIRA_SECRET, query })).status,
      ).toBe(401);
      const system = (await records(SYSTEM_TENANT)).filter((r) => r.action === 'security.cross_tenant');
      expect(system.map((r) => [r.target, r.details?.verifiedFor])).toEqual([
        ['https://acme.atlassian.net', 'globex'],
        ['https://acme.atlassian.net', 'globex'],
      ]);
      expect(await records('acme')).toEqual([]);
      expect(await records('globex')).toEqual([]);
      expect([...acmeJira.calls, ...globexJira.calls]).toEqual([]);
    },
  );

  it(
    "globex's secret does not open acme's URL, " + 'and the shared URL has no secret when every tenant has its own',
    async () => {
      const onAcmeUrl = await deliver(t.url, bobSpeaks(), { id: id(), tenant: 'acme', secret: GLOBEX_JIRA_SECRET });
      expect([onAcmeUrl.status, onAcmeUrl.body.error]).toEqual([401, 'jira.bad_signature']);
      const legacy = await deliver(t.url, bobSpeaks(), { id: id(), tenant: '', secret: JIRA_SECRET });
      expect(legacy.status).toBe(401);
      expect(legacy.body.message).toContain('/jira/webhooks/<tenant id>');
      const unknown = await deliver(t.url, bobSpeaks(), { id: id(), tenant: 'initech', secret: JIRA_SECRET });
      expect(unknown.status).toBe(401);
      expect(await records('acme')).toEqual([]);
      expect(acmeJira.calls).toEqual([]);
    },
  );

  it("each site's own delivery, signed with its own secret, is the command of its own member", async () => {
    const acme = await deliver(t.url, bobSpeaks(), { id: id() });
    expect(acme.status).toBe(202);
    await acmeJira.waitFor(
      () => acmeJira.commentTexts('PAY-12').some((c) => c.includes('Bob Lead')),
      'whoami answered on PAY-12',
    );
    const received = (await records('acme')).filter((r) => r.action === 'command.received');
    expect(received.map((r) => r.actor.memberId)).toEqual(['bob']);
    const globex = fixture('comment_created', (p) => {
      p.issue.self = 'https://globex.atlassian.net/rest/api/2/issue/10012';
      p.comment.self = 'https://globex.atlassian.net/rest/api/2/issue/10012/comment/1';
      p.issue.key = 'GLX-1';
      p.issue.fields.project.key = 'GLX';
      p.comment.body = '/void whoami';
      p.comment.author.accountId = `${'5b10a2844c20165700ede21a'}-globex`;
    });
    expect((await deliver(t.url, globex, { id: id(), tenant: 'globex', secret: GLOBEX_JIRA_SECRET })).status).toBe(202);
    await t.app.intake.settled();
    expect(
      (await records('globex')).filter((r) => r.action === 'command.received').map((r) => r.actor.memberId),
    ).toEqual(['gina']);
  });
});

describe('the legacy shared secret, for a deployment with one JIRA site', () => {
  it(
    'keeps /jira/webhooks working for the only JIRA tenant, ' + 'and still refuses a body naming another site',
    async () => {
      await t.stop();
      const single = JIRA_TENANTS.slice(0, JIRA_TENANTS.indexOf('  - id: globex'));
      const config = testConfig({
        yaml: single,
        env: {
          JIRA_WEBHOOK_SECRET: JIRA_SECRET,
          JIRA_EMAIL_ACME: 'void-bot@acme.example',
          JIRA_API_TOKEN_ACME: 'ATATT-single-0001',
        },
      });
      t = await startTestApp({ config, modules: [jiraModule], log: captureAppLogger(config).log });
      expect((await deliver(t.url, bobSpeaks(), { id: id(), tenant: '' })).status).toBe(202);
      await t.app.intake.settled();
      // The worker found the legacy URL's verifier again: the command is Bob's, on acme's trail.
      const received = (await records('acme')).filter((r) => r.action === 'command.received');
      expect(received.map((r) => r.actor.memberId)).toEqual(['bob']);
      const elsewhere = fixture(
        'comment_created',
        (p) => void (p.issue.self = 'https://globex.atlassian.net/rest/api/2/issue/1'),
      );
      expect((await deliver(t.url, elsewhere, { id: id(), tenant: '' })).body.error).toBe('jira.wrong_site');
    },
  );
});

describe('bound projects only', () => {
  it("the ticket port itself refuses another project's ticket before any HTTP request", async () => {
    const tickets = t.app.provided('tickets');
    await expect(tickets?.getTicket('acme', 'HR-5')).rejects.toMatchObject({ code: 'jira.project_not_bound' });
    await expect(tickets?.upsertComment('acme', 'HR-5', 'hello', 'm-1')).rejects.toMatchObject({
      code: 'jira.project_not_bound',
    });
    await expect(tickets?.transition('acme', 'HR-5', 'Done')).rejects.toMatchObject({ code: 'jira.project_not_bound' });
    expect(acmeJira.calls).toEqual([]);
    await expect(tickets?.getTicket('acme', 'PAY-12')).resolves.toMatchObject({ key: 'PAY-12' });
  });

  it('a "/void triage" comment on HR-5 (acme binds PAY only) is refused before any JIRA read or write', async () => {
    const onHr = fixture('comment_created', (p) => {
      p.issue.key = 'HR-5';
      p.issue.fields.project.key = 'HR';
      p.comment.body = '/void triage';
    });
    const delivery = id();
    // Refused in the ack itself (the project scope needs no I/O): nothing is queued.
    const res = await deliver(t.url, onHr, { id: delivery });
    expect(res.status).toBe(200);
    await t.app.intake.settled();
    expect(handled(logLines, delivery)).toBeUndefined();
    expect(res.body).toMatchObject({
      ignored: 'project_not_bound',
      message: expect.stringContaining(
        "HR-5 is in the JIRA project HR, which is not one of Acme Payments's projects (PAY)",
      ),
    });
    expect(acmeJira.calls).toEqual([]);
    expect((await records('acme')).filter((r) => r.action === 'command.received')).toEqual([]);
  });

  it('"triage HR-5" typed in Slack gets a clear refusal, and JIRA is never called', async () => {
    await t.stop();
    const slack = createSlackModule();
    const fake = await new FakeSlackApi().start();
    try {
      const config = testConfig({ env: { ...slackEnv(fake), ...JIRA_ENV } });
      t = await startTestApp({ config, modules: [slack, jiraModule], log: captureAppLogger(config).log });
      expect((await postSlack(t.url, { body: slashForm({ text: 'triage HR-5' }) })).status).toBe(200);
      const [ephemeral] = await fake.waitFor('chat.postEphemeral');
      expect(String(ephemeral?.params.text)).toContain(
        "HR-5 is in the JIRA project HR, which is not one of Acme Payments's projects (PAY, OPS)",
      );
      await slack.settled();
      expect(acmeJira.calls).toEqual([]);
      const rejected = (await records('acme')).filter((r) => r.action === 'request.rejected');
      expect(rejected.map((r) => r.details?.code)).toEqual(['jira.project_not_bound']);
    } finally {
      await fake.stop();
    }
  });
});
