// AuditTrail: append-only, hash-chained, per tenant. Appends for one tenant are serialised inside a process and
// race safely across processes: the store refuses a taken sequence number and the append retries on the new head.
// Personal data never enters a record: free text in details (reason, comment, …) is moved to the personal data store
// and replaced by a reference (`reasonRef: pd-…`); optionally the platform identity becomes a pseudonym (`pid-…`).
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditUnavailableError } from '../bot/core/errors.js';
import { GENESIS_HASH, hashBuilt } from './hash.js';
import { hasPersonal, prepared, type Prepared } from './prepared.js';
import { PERSONAL_DETAIL_KEYS, type IdentityRef } from './personal.js';
import { SecurityEvents } from './security.js';
import type { AppendedListener, AuditLog } from '../bot/core/audit.js';
import type { AuditActor, AuditEventInput, AuditRecord, AuditStore, SequencedRecord } from './types.js';

export interface AuditTrailOptions {
  readonly now?: () => Date;
  readonly maxConflictRetries?: number;
  /** Removes secrets from details before they are hashed and stored. Returns a copy made of JSON values alone (what
   *  JSON.parse gives), which the record keeps as its own; or the details themselves when it changes nothing. */
  readonly redact?: (details: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** Replace the platform identity in records by a stable pseudonym (`pid-…`) kept in the personal data store.
   *  Off by default: the record names the identity used (a Slack user id, a GitHub login), as the trail's readers
   *  expect; turn it on where platform logins count as personal data that must be erasable. */
  readonly pseudonymiseIdentities?: boolean;
  /** Told the duration and outcome of every append (metrics); the trail itself knows nothing of metrics. */
  readonly observe?: (seconds: number, ok: boolean, input?: AuditEventInput) => void;
}

/** Told of every record once it is stored (notifications derive their events from the trail). */
export type { AppendedListener } from '../bot/core/audit.js';

/** How long appends of resumed work are checked against the trail (the re-run happens within seconds of the start). */
const RESUME_WINDOW_MS = 10 * 60_000;

export class AuditTrail implements AuditLog {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly appendedListeners = new Set<AppendedListener>();
  private readonly pseudonyms = new Map<string, string>();
  private readonly now: () => Date;
  private readonly maxRetries: number;
  /** Security events for the `_system` trail, aggregated per source and minute (audit/security.ts). */
  readonly security: SecurityEvents;

  constructor(
    readonly store: AuditStore,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.maxRetries = options.maxConflictRetries ?? 50;
    this.security = new SecurityEvents(this, this.now);
  }

  /** Correlation ids of resumed work (AuditLog.resume), until when their appends are checked against the trail. */
  private readonly resumed = new Map<string, number>();

  resume(correlationId: string): void {
    const now = Date.now();
    for (const [id, until] of this.resumed) if (until < now) this.resumed.delete(id);
    this.resumed.set(correlationId, now + RESUME_WINDOW_MS);
  }

  /** Appends one record. Throws AuditUnavailableError when the store cannot be written: the caller must not act. */
  append(input: AuditEventInput): Promise<AuditRecord> {
    const until = input.correlationId ? this.resumed.get(input.correlationId) : undefined;
    return until !== undefined && until >= Date.now() ? this.appendOnce(input) : this.appendNow(input);
  }

  /** Resumed work: the record of the first run, if it got that far, else a new one. */
  private async appendOnce(input: AuditEventInput): Promise<AuditRecord> {
    const filter = { action: input.action, correlationId: input.correlationId, target: input.target };
    let found: AuditRecord[];
    try {
      found = await this.store.query(input.tenantId, filter, 0, 20);
    } catch (error) {
      throw new AuditUnavailableError(error);
    }
    // `target` undefined matches any target: compare it here (the store's filter skips undefined fields).
    const same = found.find((r) => r.target === input.target);
    return same ?? this.appendNow(input);
  }

  private appendNow(input: AuditEventInput): Promise<AuditRecord> {
    const started = this.options.observe ? performance.now() : 0;
    const sequence = this.store.sequence;
    let early: Prepared | Promise<Prepared> | undefined;
    // Nothing of this tenant waits for its place, and the store sequences itself: when nothing needs awaiting (no
    // personal detail to store, no pseudonym), the record is built and placed now, in one synchronous step.
    if (sequence && !this.tails.has(input.tenantId)) {
      try {
        const prepared = this.prepare(input);
        if (!(prepared instanceof Promise))
          return this.settle(
            sequence.call(this.store, input.tenantId, (head) => this.build(prepared, head)),
            input,
            started,
          );
        early = prepared;
      } catch (error) {
        return this.settle(Promise.reject(new AuditUnavailableError(error)), input, started);
      }
    }
    // Records of a tenant take their places in call order (`tails` chains the sequencing); durability is awaited
    // outside that chain, so with a store that sequences itself the next record is built while this one is flushed.
    const previous = this.tails.get(input.tenantId) ?? Promise.resolve();
    const placed = previous.then(
      () => this.place(input, early),
      () => this.place(input, early),
    );
    this.tails.set(input.tenantId, placed);
    void placed
      .finally(() => {
        if (this.tails.get(input.tenantId) === placed) this.tails.delete(input.tenantId);
      })
      .catch(() => undefined);
    return this.settle(placed, input, started);
  }

  /** The record once it is durable (AuditUnavailableError if it cannot be); `observe` and listeners are told. (No
   *  named closures here: tsx's keepNames would name each one at every call.) */
  private settle(
    placed: SequencedRecord | Promise<SequencedRecord>,
    input: AuditEventInput,
    started: number,
  ): Promise<AuditRecord> {
    if (placed instanceof Promise)
      return placed
        .then(({ record, durable }) => durable.then(() => record))
        .then(
          (record) => this.stored(record, input, started),
          (error: unknown) => this.failed(error, started),
        );
    const record = placed.record;
    return placed.durable.then(
      () => this.stored(record, input, started),
      (error: unknown) => this.failed(error, started),
    );
  }

  private stored(record: AuditRecord, input: AuditEventInput, started: number): AuditRecord {
    this.options.observe?.((performance.now() - started) / 1000, true, input);
    if (this.appendedListeners.size) this.tellAppended(record);
    return record;
  }

  private failed(error: unknown, started: number): never {
    this.options.observe?.((performance.now() - started) / 1000, false);
    throw error instanceof AuditUnavailableError ? error : new AuditUnavailableError(error);
  }

  /** Registers a listener told of every stored record (after the append succeeded); returns its removal. A listener
   *  that throws is ignored: it can never fail or delay an append. */
  onAppended(listener: AppendedListener): () => void {
    this.appendedListeners.add(listener);
    return () => this.appendedListeners.delete(listener);
  }

  private tellAppended(record: AuditRecord): void {
    for (const listener of this.appendedListeners) {
      try {
        listener(record);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Keeps a piece of personal text outside the chain; put the returned reference (`pd-…`) into details. */
  recordPersonal(tenantId: string, memberId: string | undefined, label: string, value: string): Promise<string> {
    return this.store.personal.put(tenantId, memberId, label, value);
  }

  /** GDPR erasure of one person's personal data; the chain is untouched and still verifies. */
  async erasePersonal(tenantId: string, memberId: string, identities: readonly IdentityRef[]): Promise<number> {
    this.pseudonyms.clear();
    return this.store.personal.erase(tenantId, memberId, identities);
  }

  /** Gives the record its place in the chain; resolves with it and with its durability still to come. `early`: the
   *  input's preparation, begun already by appendNow (it stores personal details: never begun twice). */
  private async place(input: AuditEventInput, early?: Prepared | Promise<Prepared>): Promise<SequencedRecord> {
    try {
      const prepared = await (early ?? this.prepare(input));
      if (this.store.sequence) return this.store.sequence(input.tenantId, (head) => this.build(prepared, head));
      for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
        const head = await this.store.head(input.tenantId);
        const record = this.build(prepared, head);
        if (await this.store.insert(record)) return { record, durable: Promise.resolve() };
        // Lost a race to another writer: after a few losses in a row, step aside so that writers spread out; first
        // only for a turn of the event loop (writers in this process, e.g. while the embedded store's group commit
        // is under way, settle at once), then for a random few milliseconds (writers in other processes).
        if (attempt >= 6) await sleep(Math.random() * Math.min(attempt, 10));
        else if (attempt >= 2) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      throw new AuditUnavailableError(error);
    }
    throw new AuditUnavailableError(
      new Error(`append for tenant ${input.tenantId} lost ${this.maxRetries} races in a row`),
    );
  }

  /** Redacts secrets, moves personal data out and drops undefined values (so the stored form hashes the same); keeps
   *  the canonical form of actor and details, which the record's hash is built around (hashBuilt). The record never
   *  shares an object with the caller: actor and details are parsed back from their canonical JSON, or, where that
   *  would give the same values (details fresh from `redact`'s JSON round trip, an actor of strings), copied. */
  private prepare(input: AuditEventInput): Prepared | Promise<Prepared> {
    const redacted = input.details && this.options.redact ? this.options.redact(input.details) : input.details;
    // Awaited only when there is something to wait for: a personal detail to store, an identity to pseudonymise.
    const personal = redacted !== undefined && hasPersonal(redacted);
    if (personal || this.options.pseudonymiseIdentities)
      return this.preparePersonal(input, redacted, redacted !== input.details);
    return prepared(input, input.actor, redacted as Record<string, unknown> | undefined, redacted !== input.details);
  }

  private async preparePersonal(
    input: AuditEventInput,
    redacted: Readonly<Record<string, unknown>> | undefined,
    fresh: boolean,
  ): Promise<Prepared> {
    const details = redacted ? await this.extractPersonal(input, redacted) : undefined;
    return prepared(input, await this.pseudonymise(input.tenantId, input.actor), details, fresh);
  }

  private async extractPersonal(
    input: AuditEventInput,
    details: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { ...details };
    for (const key of PERSONAL_DETAIL_KEYS) {
      const value = out[key];
      if (typeof value !== 'string' || value === '') continue;
      delete out[key];
      out[`${key}Ref`] = await this.store.personal.put(input.tenantId, input.actor.memberId, key, value);
    }
    return out;
  }

  private async pseudonymise(tenantId: string, actor: AuditActor): Promise<AuditActor> {
    const { platformUserId } = actor;
    if (
      !this.options.pseudonymiseIdentities ||
      !platformUserId ||
      platformUserId.startsWith('pid-') ||
      actor.platform === 'system' ||
      actor.platform === 'http' ||
      actor.platform === 'cli'
    )
      return { ...actor };
    const key = `${tenantId}\u0000${actor.platform}\u0000${platformUserId}`;
    let ref = this.pseudonyms.get(key);
    if (!ref) {
      ref = await this.store.personal.pseudonym(tenantId, actor.memberId, { platform: actor.platform, platformUserId });
      if (this.pseudonyms.size >= 10_000) this.pseudonyms.clear();
      this.pseudonyms.set(key, ref);
    }
    return { ...actor, platformUserId: ref };
  }

  /** The record, made once (its actor and details are the prepared input's own copies), then its hash. */
  private build({ input, actorJson, detailsJson }: Prepared, head: AuditRecord | undefined): AuditRecord {
    const record: Omit<AuditRecord, 'hash'> & { hash: string } = {
      tenantId: input.tenantId,
      seq: head ? head.seq + 1 : 1,
      ts: this.now().toISOString(),
      actor: input.actor,
      action: input.action,
      target: input.target,
      outcome: input.outcome,
      details: input.details,
      correlationId: input.correlationId,
      prevHash: head ? head.hash : GENESIS_HASH,
      hash: '',
    };
    record.hash = hashBuilt(record, actorJson, detailsJson);
    return record;
  }
}
