// Several real `void` processes on one Redis key prefix for the scale-out test and B6, with Slack and GitHub faked
// on one loopback server that records what each would have shown: Slack messages per channel, GitHub comments per
// pull request (kept, so that Void's "find my marker, then edit" logic meets GitHub's answers).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { appPrivateKey, WEBHOOK_SECRET } from './github.js';
import { BOT_ID, BOT_TOKEN, BOT_USER_ID, SIGNING_SECRET } from './slack.js';
import { spawnVoid, tempTenantsFile, type VoidProcess } from './deploy.js';
import { listenOnLoopback } from './loopback.js';

export const pad = (n: number): string => String(n).padStart(2, '0');
export const teamOf = (t: number): string => `T0SCALE${pad(t)}`;
export const installationOf = (t: number): number => 5000 + t;

/** `tenants` tenants tNN: Slack team T0SCALENN, GitHub org orgNN (installation 50NN); dev, lead and ops members. */
export function scaleTenantsYaml(tenants: number): string {
  const lines = ['version: 1', 'tenants:'];
  for (let t = 0; t < tenants; t++) {
    lines.push(
      `  - id: t${pad(t)}`,
      `    name: Tenant ${pad(t)}`,
      `    bindings: { slack: { teamIds: [${teamOf(t)}] }, github: { org: org${pad(t)}, ` +
        `installationId: ${installationOf(t)} } }`,
      '    limits: { commandsPerMinute: 100000000, memberCommandsPerMinute: 100000000, concurrentJobs: 1000, ' +
        'memberConcurrentJobs: 1000 }',
      '    members:',
      `      - { id: dev, name: Dev ${pad(t)}, roles: [developer], identities: { slack: U0DEV${pad(t)}0, github: ` +
        `dev${pad(t)} } }`,
      `      - { id: lead, name: Lead ${pad(t)}, roles: [tech_lead], identities: { slack: U0LEAD${pad(t)} } }`,
      `      - { id: ops, name: Ops ${pad(t)}, roles: [devops], identities: { slack: U0OPS${pad(t)}0 } }`,
      '    policies:',
      '      default: deny',
      '      rules:',
      '        - { name: deploys, action: deploy, quorum: 1 tech_lead and 1 devops, ttl: 1d }',
      '        - { name: status, action: status, quorum: none }',
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface PlatformsFake {
  readonly url: string;
  /** Slack: every chat.* text per channel, in order. */
  readonly slack: Map<string, string[]>;
  /** GitHub: the comments of each pull request ("org/repo#n"), as they stand, and every write to them. */
  readonly comments: Map<string, Array<{ id: number; body: string }>>;
  readonly commentWrites: Map<string, string[]>;
  readonly unmatched: string[];
  calls: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  if (String(req.headers['content-type']).includes('json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

/** One loopback server: Slack's Web API under /api/, GitHub's REST API under /gh/. */
export async function platformsFake(): Promise<PlatformsFake> {
  const state: PlatformsFake = {
    url: '',
    slack: new Map(),
    comments: new Map(),
    commentWrites: new Map(),
    unmatched: [],
    calls: 0,
    close: async () => undefined,
  };
  let seq = 0;
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
  const answer = (method: string, path: string, b: Record<string, unknown>): [number, unknown] => {
    seq += 1;
    if (path.startsWith('/hooks/')) {
      push(state.slack, 'response_url', String(b.text ?? ''));
      return [200, { ok: true }];
    }
    if (path.startsWith('/api/')) {
      const api = path.slice(5);
      if (api.startsWith('chat.')) push(state.slack, String(b.channel), `${api} ${String(b.text ?? '')}`);
      if (api === 'auth.test') return [200, { ok: true, user_id: BOT_USER_ID, bot_id: BOT_ID }];
      return [
        200,
        {
          ok: true,
          channel: b.channel,
          ts: `1700000000.${String(seq).padStart(6, '0')}`,
          message_ts: `1700000000.${seq}`,
        },
      ];
    }
    const gh = path.slice(3);
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(gh))
      return [
        201,
        {
          token: `ghs_scale_${seq}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: 'all',
        },
      ];
    if (method === 'POST' && gh.endsWith('/reactions')) return [201, { id: seq, content: b.content }];
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(gh);
    if (list) {
      const pr = `${list[1]}/${list[2]}#${list[3]}`;
      if (method === 'GET')
        return [200, (state.comments.get(pr) ?? []).map((c) => ({ ...c, user: { login: 'void[bot]' } }))];
      const comment = { id: seq, body: String(b.body) };
      push(state.comments, pr, comment);
      push(state.commentWrites, pr, comment.body);
      return [201, { ...comment, html_url: `https://github.test/${pr}#${seq}` }];
    }
    // A deploy request pins the commit it will run (approvals/digest.ts): the default branch, its head,
    // the last deployment.
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+$/.test(gh))
      return [200, { full_name: gh.slice(7), default_branch: 'main' }];
    const commit = /^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)$/.exec(gh);
    if (method === 'GET' && commit)
      return [
        200,
        {
          sha: /^[0-9a-f]{40}$/.test(commit[1] as string) ? commit[1] : 'c0ffee'.padEnd(40, '0'),
          author: { login: 'author01', id: 9001 },
          commit: { author: { email: 'author01@example.test' } },
        },
      ];
    if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(gh)) return [200, []];
    const edit = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(gh);
    if (edit && method === 'PATCH') {
      for (const [pr, comments] of state.comments) {
        const comment = comments.find((c) => c.id === Number(edit[3]));
        if (!comment) continue;
        comment.body = String(b.body);
        push(state.commentWrites, pr, comment.body);
        return [200, { ...comment, html_url: `https://github.test/${pr}#${comment.id}` }];
      }
      return [404, { message: 'Not Found' }];
    }
    state.unmatched.push(`${method} ${path}`);
    return [404, { message: 'Not Found' }];
  };
  const server = createServer((req, res) => {
    state.calls += 1;
    void body(req).then((b) => {
      const [status, payload] = answer(req.method ?? 'GET', (req.url ?? '/').split('?')[0] as string, b);
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  const url = await listenOnLoopback(server);
  return Object.assign(state, {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
}

export interface Cluster {
  readonly webs: VoidProcess[];
  readonly workers: VoidProcess[];
  /** Base URLs of the web processes. */
  readonly urls: string[];
  stop(): Promise<void>;
}

/** Spawns `webs` web and `workers` worker `void` processes on one key prefix, Slack and GitHub at the fake. */
export async function startCluster(options: {
  prefix: string;
  yaml: string;
  fake: PlatformsFake;
  webs: number;
  workers: number;
  env?: Record<string, string>;
  /** The binaries of a compiled build (test/helpers/compiled.ts) instead of the checkout's. */
  build?: { readonly bin: string; readonly testBin: string };
}): Promise<Cluster> {
  const env = {
    VOID_KEY_PREFIX: options.prefix,
    VOID_TENANTS_FILE: tempTenantsFile(options.yaml),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_BOT_ID: BOT_ID,
    SLACK_BOT_USER_ID: BOT_USER_ID,
    SLACK_API_URL: `${options.fake.url}/api/`,
    SLACK_CHANNEL_PACE_MS: '0',
    GITHUB_APP_ID: '4242',
    GITHUB_PRIVATE_KEY: appPrivateKey(),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GITHUB_API_URL: `${options.fake.url}/gh`,
    PORT: '0',
    HOST: '127.0.0.1',
    // Separate web and worker processes cannot share the durable embedded store (one owner per data directory).
    VOID_EMBEDDED_STORE: 'memory',
    ...options.env,
  };
  const webs = Array.from({ length: options.webs }, () => spawnVoid(['--role', 'web'], env, options.build));
  const workers = Array.from({ length: options.workers }, () => spawnVoid(['--role', 'worker'], env, options.build));
  const all = [...webs, ...workers];
  const stop = async () => {
    for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(all.map((p) => p.exited));
  };
  try {
    const listening = await Promise.all(
      webs.map((w) => w.waitForLog((l) => l.msg === 'Void web role listening', 60_000)),
    );
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === 'Void started', 60_000)));
    return { webs, workers, urls: listening.map((l) => `http://127.0.0.1:${String(l.port)}`), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `count` calls of `task`, `width` at a time. */
export async function bounded(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Peak resident set size of a process, from /proc (Linux), in MB; 0 when unreadable. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
