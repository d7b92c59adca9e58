// Abuse-suite helpers: ONE Void process with every module of the build (loadModuleList) and every platform
// configured, each outbound platform faked on loopback (Slack Web API, GitHub REST API, Bot Connector, OpenID
// metadata) or behind nock (JIRA Cloud, Microsoft login); signed requests for each inbound endpoint; the counts that
// prove "nothing enqueued, nothing sent".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { loadModuleList } from '../../bot/composition.js';
import { slackModule } from '../../bot/slack/module.js';
import { githubModule, type GithubModule } from '../../integrations/github/module.js';
import { captureLogger, startTestApp, testConfig, type TestApp } from './app.js';
import { appPrivateKey, signGitHub, WEBHOOK_SECRET } from './github.js';
import { FakeJira, JIRA_SECRET, JIRA_TOKEN, signJira, VOID_JIRA } from './jira.js';
import { BOT_TOKEN, FakeSlackApi, SIGNING_SECRET, nowSeconds, signSlack, slackEnv } from './slack.js';
import {
  AAD,
  BOT_APP_PASSWORD,
  type FakeConnector,
  interceptLogin,
  type OpenIdServer,
  signToken,
  startTeamsFakes,
  teamsEnv,
  teamsTenantsYaml,
  type TestKey,
} from './teams.js';
import { listenOnLoopback } from './loopback.js';

export const GH_TOKEN = 'ghs_abuseSuiteInstallationToken0001';
export const MODEL_KEY = 'sk-abuse-model-key-0123456789abcdef';
export const ANTHROPIC_KEY = 'sk-ant-abuse-key-0123456789abcdef';
export const ENCRYPTION_KEY = 'q2V0u5m1dQ9yQ0p3ZkZ2N0JwY0xkR3h0S2xNbk9wUXI=';
export const PEPPER = 'abuse-pepper-0123456789abcdef';
export const METRICS_TOKEN = 'abuse-metrics-token-0123456789';
export const GINA_JIRA = 'jira-gina-globex-0001';

/** A GitHub REST API on loopback: installation tokens, generic answers, and a deployment that is refused (403). */
export class FakeGithubApi {
  readonly calls: Array<{ method: string; path: string; body: string; authorization: string | undefined }> = [];
  url = '';
  private seq = 0;
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<this> {
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const method = req.method ?? 'GET';
    this.calls.push({
      method,
      path,
      body: Buffer.concat(chunks).toString('utf8'),
      authorization: req.headers.authorization,
    });
    const [status, body] = this.answer(method, path);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private answer(method: string, path: string): [number, unknown] {
    this.seq += 1;
    if (/\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [
        201,
        {
          token: GH_TOKEN,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: 'all',
        },
      ];
    }
    if (method === 'POST' && path.endsWith('/deployments'))
      return [
        403,
        { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' },
      ];
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+$/.test(path))
      return [200, { id: 1, name: path.split('/')[3], default_branch: 'main' }];
    // A ref's commit: what a deploy approval pins (and its author, for independence).
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+$/.test(path))
      return [200, { sha: 'e'.repeat(40), author: null, commit: { author: { email: 'ci@example.test' } } }];
    // lists (comments, deployments, files…) are empty
    if (method === 'GET') return [200, /\/[a-z_]+s$/.test(path) ? [] : {}];
    return [
      method === 'POST' ? 201 : 200,
      { id: this.seq, node_id: `N${this.seq}`, html_url: `https://github.test/x/${this.seq}` },
    ];
  }
}

/** The example tenants with Teams identities for everyone, JIRA identities, and globex on JIRA too. */
export function abuseTenantsYaml(): string {
  return teamsTenantsYaml((doc) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const [acme, globex] = doc.tenants as [Record<string, any>, Record<string, any>];
    const bob = acme.members.find((m: { id: string }) => m.id === 'bob');
    bob.identities.jira = '5b10ac8d82e05b22cc7d4ef5';
    acme.automation = { botAccountIds: [VOID_JIRA] };
    globex.bindings.jira = { siteUrl: 'https://globex.atlassian.net', projectKeys: ['GLX'] };
    globex.members[0].identities.jira = GINA_JIRA;
  });
}

export interface AbuseApp extends TestApp {
  readonly slack: FakeSlackApi;
  readonly github: FakeGithubApi;
  readonly connector: FakeConnector;
  readonly openId: OpenIdServer;
  readonly key: TestKey;
  readonly jira: FakeJira;
  readonly logLines: string[];
  /** Every secret value configured in this process. */
  readonly secrets: readonly string[];
  /** Re-installs the nock interceptors (JIRA, Microsoft login): call in beforeEach (setup.ts cleans them). */
  intercept(): void;
  /** Jobs in the queue in any state. */
  jobs(): Promise<number>;
  /** Calls received by the fake platforms (JIRA counts only writes). */
  outbound(): number;
  teamsToken(overrides?: { serviceUrl?: string }): Promise<string>;
  /** Resolves once the work after every answer so far is done and no job is waiting or running. */
  quiet(): Promise<void>;
}

async function settled(): Promise<void> {
  await slackModule.settled();
  await (githubModule as GithubModule).idle();
}

export function abuseEnv(
  fakes: { slack: FakeSlackApi; github: FakeGithubApi; openId: OpenIdServer },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...slackEnv(fakes.slack),
    ...teamsEnv(fakes.openId),
    GITHUB_APP_ID: '4242',
    GITHUB_PRIVATE_KEY: appPrivateKey(),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GITHUB_API_URL: fakes.github.url,
    JIRA_WEBHOOK_SECRET_ACME: JIRA_SECRET,
    JIRA_EMAIL_ACME: 'void-bot@acme.example',
    JIRA_API_TOKEN_ACME: JIRA_TOKEN,
    OPENAI_API_KEY: MODEL_KEY,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    VOID_MODEL_KEYS: JSON.stringify({ 'acme-openai': MODEL_KEY }),
    VOID_ENCRYPTION_KEY: ENCRYPTION_KEY,
    VOID_API_TOKEN_PEPPER: PEPPER,
    METRICS_TOKEN,
    VOID_JOB_ATTEMPTS: '1',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** Starts the fakes and one Void process (role all) with every module; the log is captured WITHOUT any scrubbing. */
export async function startAbuseApp(extraEnv: Record<string, string> = {}): Promise<AbuseApp> {
  const slack = await new FakeSlackApi().start();
  const github = await new FakeGithubApi().start();
  const teams = await startTeamsFakes();
  const { key, openId, connector } = teams;
  const jira = new FakeJira();
  jira.addIssue('PAY-1');
  const intercept = () => {
    jira.install();
    interceptLogin();
  };
  intercept();
  const env = abuseEnv({ slack, github, openId }, extraEnv);
  const config = testConfig({ yaml: abuseTenantsYaml(), env });
  const { log, lines } = captureLogger([]);
  const t = await startTestApp({ config, log, modules: await loadModuleList(), role: 'all' });
  const secrets = [
    SIGNING_SECRET,
    BOT_TOKEN,
    appPrivateKey(),
    WEBHOOK_SECRET,
    GH_TOKEN,
    JIRA_SECRET,
    JIRA_TOKEN,
    BOT_APP_PASSWORD,
    MODEL_KEY,
    ANTHROPIC_KEY,
    ENCRYPTION_KEY,
    PEPPER,
    METRICS_TOKEN,
  ];
  return {
    ...t,
    slack,
    github,
    connector,
    openId,
    key,
    jira,
    logLines: lines,
    secrets,
    intercept,
    jobs: async () => Object.values(await t.app.queue.queue.getJobCounts()).reduce((a, b) => a + b, 0),
    outbound: () => slack.calls.length + github.calls.length + connector.calls.length + jira.writes().length,
    quiet: async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        await settled();
        const c = await t.app.queue.queue.getJobCounts(
          'active',
          'waiting',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        if (Object.values(c).every((n) => n === 0)) break;
        if (Date.now() > deadline) throw new Error(`the queue did not become idle: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await settled();
    },
    teamsToken: (o = {}) => signToken({ key, serviceUrl: o.serviceUrl ?? connector.url }),
    stop: async () => {
      await t.stop();
      await Promise.all([slack.stop(), github.stop(), teams.close()]);
    },
  };
}

export type Endpoint = 'slack' | 'github' | 'jira' | 'teams';
export const ENDPOINTS: readonly Endpoint[] = ['slack', 'github', 'jira', 'teams'];
export const PATHS: Record<Endpoint, string> = {
  slack: '/slack/events',
  github: '/github/webhooks',
  jira: '/jira/webhooks/acme',
  teams: '/api/messages',
};

/** Headers that authenticate `body` on `endpoint` (the platform's own scheme). */
export async function authHeaders(a: AbuseApp, endpoint: Endpoint, body: string): Promise<Record<string, string>> {
  switch (endpoint) {
    case 'slack':
      return signSlack(body, SIGNING_SECRET, nowSeconds());
    case 'github':
      return {
        'x-hub-signature-256': signGitHub(body),
        'x-github-event': 'issue_comment',
        'x-github-delivery': crypto.randomUUID(),
      };
    case 'jira':
      return { 'x-hub-signature': signJira(body, JIRA_SECRET), 'x-atlassian-webhook-identifier': crypto.randomUUID() };
    case 'teams':
      return { authorization: `Bearer ${await a.teamsToken()}` };
  }
}

/** The authentication header of `endpoint` with its last character flipped (an unauthenticated request). */
export function flipped(headers: Record<string, string>, endpoint: Endpoint): Record<string, string> {
  const name = {
    slack: 'x-slack-signature',
    github: 'x-hub-signature-256',
    jira: 'x-hub-signature',
    teams: 'authorization',
  }[endpoint];
  const value = headers[name] ?? '';
  // Not the JWT's last character: its low bits are base64url padding that decoders ignore (a no-op "flip").
  const at = endpoint === 'teams' ? value.length - 10 : value.length - 1;
  const flip = value[at] === 'a' ? 'b' : 'a';
  return { ...headers, [name]: `${value.slice(0, at)}${flip}${value.slice(at + 1)}` };
}

export const CONTENT_TYPE: Record<Endpoint, string> = {
  slack: 'application/x-www-form-urlencoded',
  github: 'application/json',
  jira: 'application/json',
  teams: 'application/json',
};

export async function post(
  a: AbuseApp,
  endpoint: Endpoint,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${a.url}${PATHS[endpoint]}`, {
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE[endpoint], ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

export { AAD };
