// The metrics that lower layers record, as a hook the application installs (bot/metrics.ts, on prom-client's
// registry served on /metrics). The queue, the workers, the model router and the notifier record through
// `metrics` without importing the application; until a recorder is installed the calls do nothing.

/** What became of one job run (one attempt). */
export type JobOutcome = 'completed' | 'failed' | 'retried' | 'refused' | 'deferred' | 'returned';

export interface ModelCall {
  readonly provider: string;
  readonly model: string;
  readonly task?: string;
  /** ok, rate_limited, server_error, timeout, budget_exceeded, error */
  readonly outcome: string;
  readonly seconds?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
}

/** Anything that can count its jobs per state (a BullMQ queue fits through `watchQueue`). */
export interface QueueCounter {
  readonly name: string;
  counts(): Promise<Record<string, number>>;
}

export interface MetricsRecorder {
  /** Worker: one job attempt ended with `outcome` after `seconds`. */
  recordJob(kind: string, outcome: JobOutcome, seconds: number): void;
  /** Model router: one call to one model (each fallback step is its own call). */
  recordModelCall(call: ModelCall): void;
  /** Model router: moved on from `provider` to the next model because of `reason`. */
  recordModelFallback(provider: string, reason: string): void;
  /** Reports the queue's depth at each scrape; returns the function that stops it. */
  watchQueue(queue: QueueCounter): () => void;
}

const NONE: MetricsRecorder = {
  recordJob: () => undefined,
  recordModelCall: () => undefined,
  recordModelFallback: () => undefined,
  watchQueue: () => () => undefined,
};

let recorder: MetricsRecorder = NONE;

/** Installs the application's recorder (bot/metrics.ts does so when it is loaded). */
export function installMetrics(next: MetricsRecorder): void {
  recorder = next;
}

/** The installed recorder, read at each call so that installing it later still counts. */
export const metrics: MetricsRecorder = {
  recordJob: (kind, outcome, seconds) => recorder.recordJob(kind, outcome, seconds),
  recordModelCall: (call) => recorder.recordModelCall(call),
  recordModelFallback: (provider, reason) => recorder.recordModelFallback(provider, reason),
  watchQueue: (queue) => recorder.watchQueue(queue),
};
