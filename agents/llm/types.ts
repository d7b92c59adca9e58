// The neutral vocabulary of the model router: what an agent asks, what a provider answers, how a call fails.
import type { z } from 'zod';
import type { ModelTask } from './models.schema.js';

/** Text from pull requests, tickets and comments: never instructions, always data (see prompt.ts). */
export interface UntrustedBlock {
  readonly label: string;
  readonly text: string;
}

export interface ModelRequest<T> {
  readonly task: ModelTask;
  /** Our own instructions (trusted). */
  readonly instructions: string;
  /** Third-party text, wrapped and labelled as data before it reaches a model. */
  readonly data: readonly UntrustedBlock[];
  /** The only shape an answer may take; anything else is a failed call. */
  readonly schema: z.ZodType<T>;
  readonly schemaName: string;
}

/** What one provider call sends: already rendered, provider-neutral. */
export interface ProviderCall {
  readonly system: string;
  readonly user: string;
  readonly jsonSchema: Record<string, unknown>;
  readonly schemaName: string;
}

export interface ProviderAnswer {
  /** The JSON the model produced (not yet validated). */
  readonly output: unknown;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface ModelProvider {
  readonly id: string;
  readonly type: string;
  readonly model: string;
  call(request: ProviderCall): Promise<ProviderAnswer>;
}

export type FailureKind = 'rate_limited' | 'server' | 'timeout' | 'connection' | 'malformed' | 'schema' | 'client';

/** A failed provider call, classified so that the router alone decides to wait, retry or move on. */
export class ModelCallError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** A tenant's daily budget or call rate is used up: the job must say so and must not retry. */
export class BudgetExhaustedError extends Error {
  readonly code = 'model.budget_exhausted';
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExhaustedError';
  }
}

export interface ModelUsage {
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly outcome: 'success' | FailureKind | 'circuit_open';
}

export type RoutedAnswer<T> =
  | { readonly source: 'model'; readonly value: T; readonly provider: string; readonly model: string }
  /** No model answered (none configured, all failed or all circuits open): the caller uses the offline engine. */
  | { readonly source: 'offline'; readonly reason: string };
