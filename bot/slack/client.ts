// The Slack ChatPort: posts replies into threads and updates IN PLACE the message of a reply key (a job's progress,
// an approval card). The key → message ts map lives in Redis under the app prefix, so that the web role (which posts
// "queued") and a worker in another process (which posts "started", each step, "done") edit the same message.
// Writes to one channel are paced (Slack allows about one message per second per channel); 429s are waited out by
// the WebClient (Retry-After).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { VoidError } from '../core/errors.js';
import type { ChatPort } from '../core/ports.js';
import type { Reply, ThreadRef } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { SlackAuth } from './auth.js';
import { renderReply, splitChannel, type RenderedMessage, type SlackIdsOf } from './mapper.js';

const MAP_TTL_SECONDS = 14 * 24 * 3600;
const POSTING = 'posting';

interface Mapped {
  readonly ts: string;
  /** A final reply (done, failed, refused) was written: later progress must not overwrite it. */
  readonly final: boolean;
  /** Digest of what the message shows now: the same content again is not sent (Slack's rate limits). */
  readonly shown?: string;
}

function digestOf(rendered: RenderedMessage): string {
  return createHash('sha256')
    .update(JSON.stringify([rendered.text, rendered.blocks ?? null]))
    .digest('hex')
    .slice(0, 16);
}

export interface SlackChatPortOptions {
  readonly auth: SlackAuth;
  readonly redis: Redis;
  readonly prefix: string;
  readonly paceMs: number;
  readonly slackIdsOf: SlackIdsOf;
  readonly log: Logger;
  /** Writes held back per channel at most (default 50). */
  readonly maxBacklog?: number;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isFinal = (reply: Reply) => reply.kind === 'answer' || reply.kind === 'refusal';

/** Writes waiting in one channel beyond which pacing gives way to Slack's own 429 + Retry-After (bounded memory). */
const MAX_PACED_BACKLOG = 50;

export class SlackChatPort implements ChatPort {
  private readonly lanes = new Map<string, { tail: Promise<unknown>; last: number; waiting: number }>();
  private closing = false;

  constructor(private readonly options: SlackChatPortOptions) {}

  async post(thread: ThreadRef, reply: Reply): Promise<void> {
    if (reply.private) {
      this.options.log.warn(
        { key: reply.key },
        'a private reply has no recipient on this path; not posted to the thread',
      );
      return;
    }
    const rendered = renderReply(reply, this.options.slackIdsOf);
    if (!reply.key) {
      await this.postMessage(thread, rendered);
      return;
    }
    await this.postKeyed(thread, reply, rendered);
  }

  /** Shown only to `user`, in the thread. */
  async postPrivate(thread: ThreadRef, user: string, reply: Reply): Promise<void> {
    const { teamId, channel } = splitChannel(thread);
    const client = await this.clientFor(teamId);
    const rendered = renderReply(reply, this.options.slackIdsOf);
    await this.paced(channel, () =>
      client.chat.postEphemeral({
        channel,
        user,
        text: rendered.text,
        blocks: rendered.blocks as never,
        thread_ts: thread.thread,
      }),
    );
  }

  /** Posts a new message; returns its ts (the parent of a slash command's thread, for instance). */
  async postMessage(thread: ThreadRef, rendered: RenderedMessage): Promise<string> {
    const { teamId, channel } = splitChannel(thread);
    const client = await this.clientFor(teamId);
    const result = await this.paced(channel, () =>
      client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks as never,
        thread_ts: thread.thread,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return String(result.ts ?? '');
  }

  async update(thread: ThreadRef, ts: string, rendered: RenderedMessage): Promise<void> {
    const { teamId, channel } = splitChannel(thread);
    const client = await this.clientFor(teamId);
    await this.paced(channel, () =>
      client.chat.update({ channel, ts, text: rendered.text, blocks: (rendered.blocks ?? []) as never }),
    );
  }

  /** The ts of the message written under `key` in this thread (or at the channel's top level), if any. */
  async messageTsOf(thread: ThreadRef, key: string): Promise<string | undefined> {
    for (const t of [thread, { ...thread, thread: undefined }]) {
      const current = await this.options.redis.get(this.mapKey(t, key));
      if (current && current !== POSTING) return (JSON.parse(current) as Mapped).ts;
    }
    return undefined;
  }

  private async remember(thread: ThreadRef, key: string, mapped: Mapped): Promise<void> {
    await this.options.redis.set(this.mapKey(thread, key), JSON.stringify(mapped), 'EX', MAP_TTL_SECONDS);
  }

  private mapKey(thread: ThreadRef, key: string): string {
    return `${this.options.prefix}:slack:msg:${thread.channel}:${thread.thread ?? '-'}:${key}`;
  }

  private async postKeyed(thread: ThreadRef, reply: Reply, rendered: RenderedMessage): Promise<void> {
    const redis = this.options.redis;
    const mapKey = this.mapKey(thread, reply.key as string);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const current = await redis.get(mapKey);
      if (current === null) {
        if ((await redis.set(mapKey, POSTING, 'EX', 60, 'NX')) !== 'OK') continue;
        try {
          const ts = await this.postMessage(thread, rendered);
          await this.remember(thread, reply.key as string, { ts, final: isFinal(reply), shown: digestOf(rendered) });
        } catch (error) {
          await redis.del(mapKey);
          throw error;
        }
        return;
      }
      if (current === POSTING) {
        await delay(50);
        continue;
      }
      if (reply.opening) return; // "queued" after the job already said more: not shown
      const mapped = JSON.parse(current) as Mapped;
      const shown = digestOf(rendered);
      if ((mapped.final && !isFinal(reply)) || mapped.shown === shown) return;
      await this.update(thread, mapped.ts, rendered);
      await this.remember(thread, reply.key as string, { ts: mapped.ts, final: mapped.final || isFinal(reply), shown });
      return;
    }
    this.options.log.warn({ key: reply.key }, 'the first message of this key was never posted; posting a new one');
    await this.postMessage(thread, rendered);
  }

  private async clientFor(teamId: string) {
    const auth = await this.options.auth.forTeam(teamId);
    if (!auth)
      throw new VoidError(
        'slack.not_installed',
        `Void is not installed in Slack workspace ${teamId}, or that workspace is bound to no tenant.`,
      );
    return this.options.auth.client(auth.botToken);
  }

  /** Shutdown: writes still waiting for their turn go out without further pacing. */
  close(): void {
    this.closing = true;
  }

  /** Serialises writes per channel, at least `paceMs` apart; a burst beyond the backlog bound is not held back. */
  private paced<T>(channel: string, work: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(channel) ?? { tail: Promise.resolve(), last: 0, waiting: 0 };
    if (lane.waiting >= (this.options.maxBacklog ?? MAX_PACED_BACKLOG)) return work();
    lane.waiting += 1;
    const run = lane.tail.then(async () => {
      lane.waiting -= 1;
      const wait = lane.last + this.options.paceMs - Date.now();
      if (wait > 0 && !this.closing) await delay(wait);
      try {
        return await work();
      } finally {
        lane.last = Date.now();
      }
    });
    lane.tail = run.catch(() => undefined);
    this.lanes.set(channel, lane);
    if (this.lanes.size > 10_000) this.evictIdle();
    return run;
  }

  private evictIdle(): void {
    const cutoff = Date.now() - Math.max(this.options.paceMs, 1000) * 10;
    for (const [channel, lane] of this.lanes) if (lane.last < cutoff) this.lanes.delete(channel);
  }
}
