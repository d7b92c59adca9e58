// Security events (bad signatures, replays, stale deliveries) on the `_system` trail, aggregated per source and
// minute so that a flood cannot fill the trail: the first event of a minute is recorded at once (an operator sees an
// attack start), every further one of that minute only counts, and one record with the count closes the minute.
// A flood therefore costs at most two records per source and minute, however many requests it sends.
import { SYSTEM_TENANT, type AuditActor, type AuditLog, type SecurityEvent } from '../bot/core/audit.js';

export type { SecurityEvent } from '../bot/core/audit.js';

interface Bucket {
  readonly first: SecurityEvent;
  readonly minute: string;
  count: number;
  readonly reasons: Record<string, number>;
  timer?: NodeJS.Timeout;
}

const MINUTE_MS = 60_000;
/** Past this many open buckets (sources × actions), new kinds are counted into one overflow bucket. */
const MAX_BUCKETS = 200;

export class SecurityEvents {
  private readonly buckets = new Map<string, Bucket>();
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly trail: Pick<AuditLog, 'append'>,
    private readonly now: () => Date,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Counts one event. Resolves when the minute's first record is written (at once for the others); never rejects. */
  record(event: SecurityEvent): Promise<void> {
    const at = this.now().getTime();
    const minute = new Date(at - (at % MINUTE_MS)).toISOString();
    const kind: SecurityEvent =
      this.buckets.size >= MAX_BUCKETS ? { ...event, action: 'security.overflow', source: 'http' } : event;
    const key = `${kind.action}\u0000${kind.source}\u0000${minute}`;
    const bucket = this.buckets.get(key);
    if (bucket) {
      bucket.count += 1;
      bucket.reasons[kind.reason] = (bucket.reasons[kind.reason] ?? 0) + 1;
      return Promise.resolve();
    }
    const fresh: Bucket = { first: kind, minute, count: 1, reasons: {} };
    this.buckets.set(key, fresh);
    fresh.timer = setTimeout(() => this.close(key), Math.max(0, Date.parse(minute) + MINUTE_MS - at));
    fresh.timer.unref();
    return this.write(fresh, { ...kind.details, code: kind.reason, count: 1, minute });
  }

  /** Writes the summaries of every open minute now (shutdown, tests) and waits for all pending writes. */
  async flush(): Promise<void> {
    for (const key of [...this.buckets.keys()]) this.close(key);
    while (this.writes.size) await Promise.allSettled([...this.writes]);
  }

  private close(key: string): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    this.buckets.delete(key);
    clearTimeout(bucket.timer);
    if (bucket.count > 1)
      void this.write(bucket, { codes: bucket.reasons, count: bucket.count - 1, minute: bucket.minute, summary: true });
  }

  private write(bucket: Bucket, details: Record<string, unknown>): Promise<void> {
    const { first } = bucket;
    const actor: AuditActor = { platform: first.source };
    const write = this.trail
      .append({
        tenantId: SYSTEM_TENANT,
        action: first.action,
        actor,
        target: first.target,
        outcome: 'denied',
        details,
        correlationId: `sec-${first.source}-${first.action.replace(/^security\./, '')}-${bucket.minute}`,
      })
      .then(() => undefined, this.onError)
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
    return write;
  }
}
