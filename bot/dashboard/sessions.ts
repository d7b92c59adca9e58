// Dashboard sessions and chat sign-in links, kept in Redis so that every web replica sees them. Only digests of the
// secrets are stored: a copy of Redis gives no one a usable session id or link.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Session {
  /** Short public id of the session (a digest prefix): what the audit trail names, never the secret itself. */
  readonly id: string;
  readonly tenantId: string;
  readonly memberId: string;
  readonly via: 'link' | 'oidc';
  readonly createdAt: number;
  readonly csrf: string;
}

export interface SessionTimeouts {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export interface LinkGrant {
  readonly tenantId: string;
  readonly memberId: string;
  /** The chat identity that asked for the link (`slack U0ALICE01`), for the audit record of the sign-in. */
  readonly askedVia: string;
}

export const LINK_TTL_SECONDS = 5 * 60;

const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const token = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => number = Date.now,
  ) {}

  private sessionKey(hash: string): string {
    return `${this.prefix}:dash:sess:${hash}`;
  }

  private memberKey(tenantId: string, memberId: string): string {
    return `${this.prefix}:dash:member:${tenantId}:${memberId}`;
  }

  /** A single-use sign-in link token, bound to one member, valid for five minutes. */
  async issueLink(grant: LinkGrant): Promise<string> {
    const secret = token();
    await this.redis.set(`${this.prefix}:dash:link:${digest(secret)}`, JSON.stringify(grant), 'EX', LINK_TTL_SECONDS);
    return secret;
  }

  /** Redeems a link exactly once (GETDEL): a second use, or a use after five minutes, finds nothing. */
  async redeemLink(secret: string): Promise<LinkGrant | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(secret)) return undefined;
    const raw = await this.redis.getdel(`${this.prefix}:dash:link:${digest(secret)}`);
    return raw ? (JSON.parse(raw) as LinkGrant) : undefined;
  }

  /** Starts a new session (a fresh id every sign-in: rotation) and returns its secret for the cookie. */
  async create(tenantId: string, memberId: string, via: Session['via']): Promise<{ secret: string; session: Session }> {
    const secret = token();
    const hash = digest(secret);
    const session: Session = {
      id: `ws-${hash.slice(0, 12)}`,
      tenantId,
      memberId,
      via,
      createdAt: this.now(),
      csrf: token(),
    };
    const ttl = Math.ceil(Math.min(this.timeouts.idleMs, this.timeouts.absoluteMs) / 1000);
    await this.redis
      .multi()
      .set(this.sessionKey(hash), JSON.stringify(session), 'EX', ttl)
      .sadd(this.memberKey(tenantId, memberId), hash)
      .expire(this.memberKey(tenantId, memberId), Math.ceil(this.timeouts.absoluteMs / 1000))
      .exec();
    return { secret, session };
  }

  /** The live session of a cookie value; touching it extends the idle timeout, never past the absolute one. */
  async get(secret: string): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(secret)) return undefined;
    const hash = digest(secret);
    const raw = await this.redis.get(this.sessionKey(hash));
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    const left = session.createdAt + this.timeouts.absoluteMs - this.now();
    if (left <= 0) {
      await this.redis.del(this.sessionKey(hash));
      return undefined;
    }
    await this.redis.pexpire(this.sessionKey(hash), Math.min(this.timeouts.idleMs, left));
    return session;
  }

  async destroy(secret: string): Promise<void> {
    await this.redis.del(this.sessionKey(digest(secret)));
  }

  /** Sign-out everywhere: every session of this member, on every browser and replica. Resolves how many ended. */
  async destroyAll(tenantId: string, memberId: string): Promise<number> {
    const key = this.memberKey(tenantId, memberId);
    const hashes = await this.redis.smembers(key);
    if (!hashes.length) return 0;
    const removed = await this.redis.del(...hashes.map((h) => this.sessionKey(h)));
    await this.redis.del(key);
    return removed;
  }

  /** OIDC: the state of one authorisation request (PKCE verifier, nonce, tenant), single use, ten minutes. */
  async saveOidcState(state: string, value: { tenantId: string; verifier: string; nonce: string }): Promise<void> {
    await this.redis.set(`${this.prefix}:dash:oidc:${digest(state)}`, JSON.stringify(value), 'EX', 600);
  }

  async takeOidcState(state: string): Promise<{ tenantId: string; verifier: string; nonce: string } | undefined> {
    if (!/^[A-Za-z0-9_-]{10,200}$/.test(state)) return undefined;
    const raw = await this.redis.getdel(`${this.prefix}:dash:oidc:${digest(state)}`);
    return raw ? (JSON.parse(raw) as { tenantId: string; verifier: string; nonce: string }) : undefined;
  }

  /** Sign-in attempts per client per minute (links, OIDC starts and callbacks); true while under the limit. */
  async allowSignIn(client: string, perMinute: number): Promise<boolean> {
    const key = `${this.prefix}:dash:signin:${digest(client).slice(0, 16)}:${Math.floor(this.now() / 60_000)}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as [[unknown, number]];
    return count <= perMinute;
  }
}
