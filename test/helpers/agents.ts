// Agents test helpers: an in-memory TicketPort, a recording chat port, a Void process with the agents module, and
// nock answers in the providers' real wire formats. The in-memory VcsPort is in in-memory-vcs.ts (re-exported).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAgentsModule, type AgentsModuleOptions } from '../../agents/module.js';
import type { JobCommand, JobData, JobKind } from '../../agents/queues.js';
import type { ChatPort } from '../../bot/core/ports.js';
import type { TicketInfo, TicketPort } from '../../bot/core/ticket.port.js';
import type { Reply, ThreadRef } from '../../bot/core/types.js';
import type { VcsPort } from '../../bot/core/vcs.port.js';
import type { VoidModule } from '../../bot/modules.js';
import { startTestApp, testConfig, type TestApp } from './app.js';
import { MODEL_ENV } from './llm.js';
import { providing } from './ports.js';
import { InMemoryVcs } from './in-memory-vcs.js';
export * from './in-memory-vcs.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/agents');

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as T;
}

export class InMemoryTickets implements TicketPort {
  readonly tickets = new Map<string, TicketInfo>();
  readonly comments: Array<{ key: string; body: string; marker: string }> = [];
  readonly labels = new Map<string, string[]>();
  readonly writes: string[] = [];

  add(ticket: Partial<TicketInfo> & { key: string; summary: string }): TicketInfo {
    const full: TicketInfo = {
      description: '',
      type: 'Task',
      status: 'To Do',
      labels: [],
      components: [],
      url: `https://acme.atlassian.net/browse/${ticket.key}`,
      ...ticket,
    };
    this.tickets.set(full.key, full);
    return full;
  }
  async getTicket(_t: string, k: string) {
    const t = this.tickets.get(k);
    if (!t) throw new Error(`no ticket ${k}`);
    return t;
  }
  async searchOpen(_t: string, projectKey: string, limit: number) {
    return [...this.tickets.values()].filter((t) => t.key.startsWith(`${projectKey}-`)).slice(0, limit);
  }
  async upsertComment(_t: string, k: string, body: string, marker: string) {
    this.writes.push(`upsertComment ${k}`);
    const existing = this.comments.find((c) => c.marker === marker);
    if (existing) existing.body = body;
    else this.comments.push({ key: k, body, marker });
    return { url: `https://acme.atlassian.net/browse/${k}?focusedCommentId=${this.comments.length}` };
  }
  async transition(_t: string, k: string, to: string) {
    this.writes.push(`transition ${k} ${to}`);
    return true;
  }
  async addLabels(_t: string, k: string, labels: readonly string[]) {
    this.writes.push(`addLabels ${k}`);
    this.labels.set(k, [...new Set([...(this.labels.get(k) ?? []), ...labels])]);
  }
  async createTicket() {
    this.writes.push('createTicket');
    return { key: 'PAY-999', url: 'https://acme.atlassian.net/browse/PAY-999' };
  }
}

/** Records every reply and lets a test await the one it expects (no sleeps). */
export class RecordingChat implements ChatPort {
  readonly replies: Array<{ thread: ThreadRef; reply: Reply }> = [];
  private waiters: Array<{ match: (r: Reply) => boolean; resolve: (r: Reply) => void }> = [];

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    this.replies.push({ thread, reply });
    for (const w of [...this.waiters]) {
      if (w.match(reply)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(reply);
      }
    }
  }

  texts(jobId: string): string[] {
    return this.replies.filter((r) => r.reply.key === `job:${jobId}`).map((r) => r.reply.text);
  }

  /** The job's final message (done or failed). */
  final(jobId: string, timeoutMs = 15_000): Promise<Reply> {
    const match = (r: Reply) => r.key === `job:${jobId}` && r.kind === 'answer';
    const seen = this.replies.find((r) => match(r.reply));
    if (seen) return Promise.resolve(seen.reply);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no final reply for ${jobId}; got: ${this.texts(jobId).join(' | ')}`)),
        timeoutMs,
      );
      this.waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }
}

/** Provides the ports (what the GitHub and JIRA modules do in production) and the console chat port. */
export function portsModule(ports: { vcs?: VcsPort; tickets?: TicketPort; chat: ChatPort }): VoidModule {
  return providing('test-ports', { vcs: ports.vcs, tickets: ports.tickets }, { chatPorts: { console: ports.chat } });
}

export function tenantsYaml(models: unknown = {}): string {
  return `version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
      jira: { siteUrl: https://acme.atlassian.net, projectKeys: [PAY] }
    members:
      - id: alice
        name: Alice Developer
        roles: [developer]
        identities: { github: alice }
    models: ${JSON.stringify(models)}
`;
}

export interface AgentsTestApp extends TestApp {
  readonly vcs: InMemoryVcs;
  readonly tickets: InMemoryTickets;
  readonly chat: RecordingChat;
  run(kind: JobKind, command: JobCommand): Promise<{ jobId: string; reply: Reply }>;
  enqueue(kind: JobKind, command: JobCommand): Promise<string>;
}

export async function startAgentsApp(
  options: {
    models?: unknown;
    env?: Record<string, string>;
    agents?: AgentsModuleOptions;
    vcs?: InMemoryVcs | null;
    tickets?: InMemoryTickets | null;
  } = {},
): Promise<AgentsTestApp> {
  const vcs = options.vcs === undefined ? new InMemoryVcs() : options.vcs;
  const tickets = options.tickets === undefined ? new InMemoryTickets() : options.tickets;
  const chat = new RecordingChat();
  // Every progress line is written (VOID_PROGRESS_INTERVAL_MS=0): these tests read each step of a workflow's
  // transcript.
  const config = testConfig({
    yaml: tenantsYaml(options.models ?? {}),
    env: { ...MODEL_ENV, VOID_PROGRESS_INTERVAL_MS: '0', ...options.env },
  });
  const modules = [
    portsModule({ vcs: vcs ?? undefined, tickets: tickets ?? undefined, chat }),
    createAgentsModule({ deployPollMs: 5, ...options.agents }),
  ];
  const app = await startTestApp({ config, modules, app: { workerConcurrency: 2 } });
  const enqueue = async (kind: JobKind, command: JobCommand) => {
    const jobId = `${kind}-${randomUUID().slice(0, 12)}`;
    await app.app.queue.enqueue(jobId, jobData(kind, command));
    return jobId;
  };
  return {
    ...app,
    vcs: vcs ?? new InMemoryVcs(),
    tickets: tickets ?? new InMemoryTickets(),
    chat,
    enqueue,
    run: async (kind, command) => {
      const jobId = await enqueue(kind, command);
      return { jobId, reply: await chat.final(jobId) };
    },
  };
}

export function jobData(kind: JobKind, command: JobCommand): JobData {
  return {
    v: 1,
    kind,
    tenantId: 'acme',
    requester: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
    command,
    thread: { platform: 'console', channel: 'agents-test' },
    correlationId: randomUUID(),
    deliveryId: randomUUID(),
  } as JobData;
}

export * from './llm.js';
