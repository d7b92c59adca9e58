// The console chat: a person types commands as a configured member and sees replies, approval prompts and job
// progress as they happen. Interactive on a terminal; line by line from stdin for scripts and tests.
import { randomUUID } from 'node:crypto';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { TenantRegistry } from '../core/registry.js';
import type { Member, Reply, Tenant } from '../core/types.js';
import { VoidError } from '../core/errors.js';
import type { Dispatcher } from '../dispatcher.js';
import { consoleChannel } from './client.js';
import { isFinal, renderReply } from './mapper.js';

export interface ConsoleOptions {
  readonly dispatcher: Dispatcher;
  readonly registry: TenantRegistry;
  /** A dedicated connection: a subscribed ioredis client can do nothing else. */
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly input: Readable;
  readonly output: Writable;
  readonly interactive: boolean;
  /** `member` or `tenant/member`; defaults to the first member of the first tenant. */
  readonly as?: string | undefined;
  /** In script mode: how long to wait at the end of input for queued jobs to finish. */
  readonly settleTimeoutMs?: number;
}

const META_HELP =
  'Console: "/as <member>" or "/as <tenant>/<member>" switches who is speaking, "/members" lists them, "/quit" leaves.';

export class ConsoleSession {
  readonly id = `con-${randomUUID().slice(0, 8)}`;
  private tenant!: Tenant;
  private member!: Member;
  private counter = 0;
  private readonly pending = new Set<string>();
  private settled: (() => void) | undefined;
  private rl: Interface | undefined;
  /**
   * Last text shown per reply key: a keyed reply updates one message in place, so an unchanged one is not shown again.
   */
  private readonly shown = new Map<string, string>();

  constructor(private readonly options: ConsoleOptions) {
    const first = options.registry.list()[0];
    if (!first || !first.members[0])
      throw new VoidError('console.no_members', 'The tenants file has no members to speak as.');
    this.tenant = first;
    this.member = first.members[0];
    if (options.as) {
      const error = this.switchTo(options.as);
      if (error) throw new VoidError('console.unknown_member', error);
    }
  }

  /** Prints a line; on a terminal, above the prompt, which is redrawn with what the person was typing. */
  private print(text: string): void {
    const { output } = this.options;
    if (this.rl && this.options.interactive) {
      clearLine(output, 0);
      cursorTo(output, 0);
      output.write(`${text}\n`);
      this.rl.prompt(true);
      return;
    }
    output.write(`${text}\n`);
  }

  get speaker(): string {
    return `${this.member.id}@${this.tenant.id}`;
  }

  /** `member` (in the current tenant) or `tenant/member`; returns an error message or undefined. */
  switchTo(who: string): string | undefined {
    const [a, b] = who.includes('/') ? who.split('/', 2) : [this.tenant.id, who];
    const tenant = this.options.registry.get(a ?? '');
    const member = tenant?.members.find((m) => m.id === b);
    if (!tenant)
      return `No tenant "${a}". Tenants: ${this.options.registry
        .list()
        .map((t) => t.id)
        .join(', ')}.`;
    if (!member) return `No member "${b}" in ${tenant.id}. Members: ${tenant.members.map((m) => m.id).join(', ')}.`;
    this.tenant = tenant;
    this.member = member;
    return undefined;
  }

  async run(): Promise<number> {
    const { subscriber, prefix } = this.options;
    subscriber.on('message', (_channel: string, message: string) => this.onPush(message));
    await subscriber.subscribe(consoleChannel(prefix, this.id));
    if (this.options.interactive) {
      this.print(
        `Void console. You are ${this.member.name} (${this.speaker}, ${this.member.roles.join(', ')}). ` +
          `Type "help". ${META_HELP}`,
      );
    }
    const rl = createInterface({
      input: this.options.input,
      ...(this.options.interactive ? { output: this.options.output, terminal: true } : { terminal: false }),
      crlfDelay: Infinity,
    });
    const prompt = () => {
      if (!this.options.interactive) return;
      rl.setPrompt(`${this.speaker}> `);
      rl.prompt();
    };
    prompt();
    this.rl = rl;
    for await (const line of rl) {
      const text = line.trim();
      if (!this.options.interactive && text) this.print(`${this.speaker}> ${text}`);
      if (text === '/quit' || text === '/exit') break;
      if (text) await this.handle(text);
      prompt();
    }
    this.rl = undefined;
    rl.close();
    const code = await this.settle();
    await subscriber.unsubscribe().catch(() => undefined);
    return code;
  }

  /** Handles one line: a console meta command or a Void command. */
  async handle(text: string): Promise<void> {
    if (text.startsWith('/as ')) {
      const error = this.switchTo(text.slice(4).trim());
      this.print(error ?? `You are now ${this.member.name} (${this.speaker}, ${this.member.roles.join(', ')}).`);
      return;
    }
    if (text === '/members') {
      for (const t of this.options.registry.list())
        this.print(`${t.id}: ${t.members.map((m) => `${m.id} (${m.roles.join(', ')})`).join('; ')}`);
      return;
    }
    if (text.startsWith('/') && !text.toLowerCase().startsWith('/void')) {
      this.print(META_HELP);
      return;
    }
    this.counter += 1;
    try {
      const result = await this.options.dispatcher.dispatch({
        platform: 'console',
        workspaceId: this.tenant.id,
        platformUserId: this.member.id,
        text,
        thread: { platform: 'console', channel: this.id },
        deliveryId: `${this.id}-${this.counter}`,
      });
      for (const reply of result.replies) this.show(reply);
    } catch (error) {
      this.print(
        renderReply({
          text: error instanceof VoidError ? error.message : 'Void hit an internal error; it has been logged.',
          kind: 'refusal',
        }),
      );
    }
  }

  private show(reply: Reply): void {
    if (reply.key?.startsWith('job:') && !isFinal(reply)) this.pending.add(reply.key);
    if (this.unchanged(reply)) return;
    this.print(renderReply(reply));
  }

  private unchanged(reply: Reply): boolean {
    if (!reply.key) return false;
    if (this.shown.get(reply.key) === reply.text) return true;
    this.shown.set(reply.key, reply.text);
    return false;
  }

  private onPush(message: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(message) as Reply;
    } catch {
      return;
    }
    if (!this.unchanged(reply)) this.print(renderReply(reply));
    if (reply.key && isFinal(reply)) {
      this.pending.delete(reply.key);
      if (this.pending.size === 0) this.settled?.();
    }
  }

  /** Script mode: waits until every job this session queued has finished, or the timeout passes. */
  private async settle(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const timeoutMs = this.options.settleTimeoutMs ?? 30_000;
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.settled = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    if (!done)
      this.print(
        `void> (gave up waiting after ${timeoutMs} ms for: ${[...this.pending].map((k) => k.slice(4)).join(', ')})`,
      );
    return done ? 0 : 1;
  }
}
