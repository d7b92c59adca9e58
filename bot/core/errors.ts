// Unexpected failures are VoidError subclasses with a namespaced code and the original cause kept.
// Expected refusals are not exceptions: they are returned as values ({ ok: false, refusal }, outcome.ts).

export class VoidError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VoidError';
  }
}

/** The audit trail could not be written: the action must not happen (invariant 5). */
export class AuditUnavailableError extends VoidError {
  constructor(cause?: unknown) {
    super(
      'audit.unavailable',
      'The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
      { cause },
    );
    this.name = 'AuditUnavailableError';
  }
}

/** Redis (the queue) is not reachable: ingress answers 503 so that platforms retry. */
export class QueueUnavailableError extends VoidError {
  constructor(cause?: unknown) {
    super(
      'queue.unavailable',
      'The job queue is unavailable right now; nothing was queued. Please try again shortly.',
      { cause },
    );
    this.name = 'QueueUnavailableError';
  }
}

// The refusal type and its catalogue live in outcome.ts; re-exported here for the modules that import them from here.
export type { Outcome, Refusal, Refused } from './outcome.js';
