// The GitHub ChatPort: posts Void's replies as pull request comments. A reply with a key (job progress, an approval
// card) edits one comment in place, found by its hidden marker; approval cards shown in a pull request are remembered
// so that `/void approve` without an id can find "the" pending request of that pull request.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { VoidError } from '../../bot/core/errors.js';
import type { ChatPort } from '../../bot/core/ports.js';
import type { Reply, ThreadRef } from '../../bot/core/types.js';
import { withMarker, type GithubClient } from './client.js';
import { call } from './octokit.js';
import { parseChannel } from './mapper.js';
import { renderReply, type GithubLoginsOf } from './render.js';

const APPROVALS_TTL_SECONDS = 30 * 24 * 3600;
/** Short, and renewed while the write runs: a writer that dies holding it (a killed worker) blocks the others for
 *  at most this long, however slow a live writer's GitHub calls are. */
const LOCK_LEASE_MS = 5_000;
const LOCK_RENEW_MS = 2_000;
const LOCK_WAIT_MS = 30_000;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** The thread of a pull request: channel `owner/repo#n`, thread = the App installation id. */
export function prThread(installationId: number, channel: string): ThreadRef {
  return { platform: 'github', channel, thread: String(installationId) };
}

export class GithubChatPort implements ChatPort {
  constructor(
    private readonly client: GithubClient,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly people: { readonly loginsOf?: GithubLoginsOf; readonly webUrl?: string } = {},
  ) {}

  private approvalsKey(installationId: number, channel: string): string {
    return `${this.prefix}:github:pr-approvals:${installationId}:${channel.toLowerCase()}`;
  }

  async post(thread: ThreadRef, reply: Reply, mention?: string): Promise<void> {
    const target = parseChannel(thread.channel);
    const installationId = Number(thread.thread);
    if (!target || !Number.isInteger(installationId) || installationId <= 0) {
      throw new VoidError('github.bad_thread', `not a GitHub pull request thread: ${thread.channel.slice(0, 80)}`);
    }
    const api = this.client.forInstallation(installationId);
    const body = renderReply(reply, reply.key ? undefined : mention, this.people);
    if (reply.approval) await this.rememberApproval(installationId, thread.channel, reply.approval.id);
    const marker = reply.key ? `reply:${reply.key}` : 'reply';
    if (reply.key) {
      const slot = `${installationId}:${thread.channel.toLowerCase()}:${reply.key}`;
      const final = reply.kind === 'answer' || reply.kind === 'refusal';
      await this.locked(`${this.prefix}:github:lock:${slot}`, async () => {
        // The web role's "queued" and the worker's progress race; once the final word is written nothing older
        // replaces it. The same for the opening "queued": written only while nothing else has been.
        const doneKey = `${this.prefix}:github:final:${slot}`;
        const shownKey = `${this.prefix}:github:shown:${slot}`;
        if (!final && (await this.redis.exists(doneKey))) return;
        if (reply.opening && (await this.redis.exists(shownKey))) return;
        await this.client.upsertMarkedComment(api, target.repo, target.number, body, marker);
        await this.redis.set(shownKey, '1', 'EX', APPROVALS_TTL_SECONDS);
        if (final) await this.redis.set(doneKey, '1', 'EX', APPROVALS_TTL_SECONDS);
      });
      return;
    }
    // An unkeyed reply is posted once per delivery (the dispatcher de-duplicates); the marker still tags it as Void's.
    await call(`Commenting on ${thread.channel}`, () =>
      api.issues.createComment({
        owner: target.repo.owner,
        repo: target.repo.name,
        issue_number: target.number,
        body: withMarker(body, marker),
      }),
    );
  }

  /** One writer per keyed comment across processes (a Redis lease); after LOCK_WAIT_MS the write goes ahead anyway. */
  private async locked(key: string, work: () => Promise<void>): Promise<void> {
    const token = randomUUID();
    const deadline = Date.now() + LOCK_WAIT_MS;
    while ((await this.redis.set(key, token, 'PX', LOCK_LEASE_MS, 'NX')) !== 'OK' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, LOCK_LEASE_MS).catch(() => undefined);
    }, LOCK_RENEW_MS);
    try {
      await work();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  private async rememberApproval(installationId: number, channel: string, approvalId: string): Promise<void> {
    const key = this.approvalsKey(installationId, channel);
    await this.redis.multi().sadd(key, approvalId).expire(key, APPROVALS_TTL_SECONDS).exec();
  }

  /** Approval ids whose cards were shown in this pull request (newest state is read from the approvals port). */
  async approvalsShownIn(installationId: number, channel: string): Promise<string[]> {
    return this.redis.smembers(this.approvalsKey(installationId, channel));
  }
}
