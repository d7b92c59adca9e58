// The Bot Framework's token-signing keys, read from its OpenID metadata document (→ jwks_uri → keys). Keys are
// cached and refreshed daily; a token naming an unknown key id triggers at most one refresh per cool-down, so a
// flood of forged kids cannot turn Void into a key-fetching amplifier (RELIABILITY.md, bad input 5).
import { importJWK, type JWK } from 'jose';
import { VoidError } from '../core/errors.js';

export interface SigningKey {
  readonly key: Awaited<ReturnType<typeof importJWK>>;
  /** Channels that endorse this key (the Bot Framework lists e.g. "msteams"); undefined when the JWK has none. */
  readonly endorsements?: readonly string[];
}

export interface OpenIdKeysOptions {
  readonly metadataUrl: string;
  /** Injectable clock (ms since epoch). */
  readonly now?: () => number;
  /** Keys older than this are refreshed before use. Default 24 h. */
  readonly maxAgeMs?: number;
  /** An unknown kid refreshes the keys at most once per this period. Default 5 min. */
  readonly unknownKidCooldownMs?: number;
  readonly fetchTimeoutMs?: number;
}

export class KeysUnavailableError extends VoidError {
  constructor(message: string, cause?: unknown) {
    super('teams.keys_unavailable', message, { cause });
    this.name = 'KeysUnavailableError';
  }
}

interface Jwk extends JWK {
  readonly endorsements?: unknown;
}

export class OpenIdKeys {
  private keys = new Map<string, Jwk>();
  private imported = new Map<string, SigningKey>();
  private fetchedAt = 0;
  private inFlight: Promise<void> | undefined;
  /** How many times the keys were fetched (observable by tests and metrics). */
  refreshes = 0;

  constructor(private readonly options: OpenIdKeysOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The key with this id, or undefined when the metadata does not publish it (after at most one refresh). */
  async get(kid: string): Promise<SigningKey | undefined> {
    const maxAge = this.options.maxAgeMs ?? 24 * 3600_000;
    if (this.fetchedAt === 0 || this.now() - this.fetchedAt > maxAge) await this.refresh();
    else if (!this.keys.has(kid) && this.now() - this.fetchedAt > (this.options.unknownKidCooldownMs ?? 5 * 60_000))
      await this.refresh();
    return this.importKey(kid);
  }

  private async importKey(kid: string): Promise<SigningKey | undefined> {
    const cached = this.imported.get(kid);
    if (cached) return cached;
    const jwk = this.keys.get(kid);
    if (!jwk || jwk.kty !== 'RSA' || !jwk.n || !jwk.e) return undefined;
    const key = await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'RS256');
    const endorsements = Array.isArray(jwk.endorsements)
      ? jwk.endorsements.filter((e): e is string => typeof e === 'string')
      : undefined;
    const signing: SigningKey = endorsements ? { key, endorsements } : { key };
    this.imported.set(kid, signing);
    return signing;
  }

  /** One fetch at a time: concurrent callers share it. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    // Counted as an attempt even when it fails, so that the cool-down also bounds retries against a failing endpoint.
    this.refreshes += 1;
    const attemptAt = this.now();
    try {
      const metadata = (await this.getJson(this.options.metadataUrl)) as { jwks_uri?: unknown };
      if (typeof metadata.jwks_uri !== 'string') throw new Error('the OpenID metadata has no jwks_uri');
      const jwks = (await this.getJson(metadata.jwks_uri)) as { keys?: unknown };
      if (!Array.isArray(jwks.keys)) throw new Error('the key set has no keys array');
      this.keys = new Map(
        (jwks.keys as Jwk[]).filter((k) => typeof k?.kid === 'string').map((k) => [k.kid as string, k]),
      );
      this.imported = new Map();
      this.fetchedAt = attemptAt;
    } catch (error) {
      if (this.fetchedAt !== 0) {
        this.fetchedAt = attemptAt;
        return;
      }
      throw new KeysUnavailableError(
        'The Bot Framework signing keys could not be loaded; the request cannot be verified now.',
        error,
      );
    }
  }

  private async getJson(url: string): Promise<unknown> {
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 10_000) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json();
  }
}
