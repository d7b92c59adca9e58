// AuditTrail: append-only, hash-chained, per tenant. Appends for one tenant are serialised inside a process and
// race safely across processes: the store refuses a taken sequence number and the append retries on the new head.
import { AuditUnavailableError } from '../bot/core/errors.js';
import { GENESIS_HASH, hashRecord } from './hash.js';
import type { AuditEventInput, AuditRecord, AuditStore } from './types.js';

export interface AuditTrailOptions {
  readonly now?: () => Date;
  readonly maxConflictRetries?: number;
  /** Removes secrets from details before they are hashed and stored. */
  readonly redact?: (details: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

export class AuditTrail {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly now: () => Date;
  private readonly maxRetries: number;

  constructor(
    readonly store: AuditStore,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.maxRetries = options.maxConflictRetries ?? 50;
  }

  /** Appends one record. Throws AuditUnavailableError when the store cannot be written: the caller must not act. */
  append(input: AuditEventInput): Promise<AuditRecord> {
    const previous = this.tails.get(input.tenantId) ?? Promise.resolve();
    const next = previous.then(
      () => this.appendNow(input),
      () => this.appendNow(input),
    );
    this.tails.set(input.tenantId, next);
    void next.finally(() => {
      if (this.tails.get(input.tenantId) === next) this.tails.delete(input.tenantId);
    }).catch(() => undefined);
    return next;
  }

  private async appendNow(input: AuditEventInput): Promise<AuditRecord> {
    try {
      for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
        const head = await this.store.head(input.tenantId);
        const record = this.build(input, head);
        if (await this.store.insert(record)) return record;
      }
    } catch (error) {
      throw new AuditUnavailableError(error);
    }
    throw new AuditUnavailableError(new Error(`append for tenant ${input.tenantId} lost ${this.maxRetries} races in a row`));
  }

  private build(input: AuditEventInput, head: AuditRecord | undefined): AuditRecord {
    const details = input.details && this.options.redact ? this.options.redact(input.details) : input.details;
    const content: Omit<AuditRecord, 'hash'> = {
      tenantId: input.tenantId,
      seq: head ? head.seq + 1 : 1,
      ts: this.now().toISOString(),
      actor: { ...input.actor },
      action: input.action,
      target: input.target,
      outcome: input.outcome,
      details: details ? { ...details } : undefined,
      correlationId: input.correlationId,
      prevHash: head ? head.hash : GENESIS_HASH,
    };
    return { ...content, hash: hashRecord(content) };
  }
}
