// The model router: routes a task to the tenant's ordered models, is the only retry loop (SDKs run with
// maxRetries 0), honours retry-after on 429, backs off with jitter on 5xx, moves on after a timeout, a malformed or
// a schema-violating answer, skips providers whose circuit is open, enforces budgets and records every call.
// When no model answers, it says so and the caller uses the offline rules engine.
import type { Redis } from 'ioredis';
import type { Tenant } from '../../bot/core/types.js';
import type { Logger } from '../../bot/core/logger.js';
import type { AuditLog } from '../../bot/core/audit.js';
import { CircuitBreaker } from './breaker.js';
import { ModelBudget } from './budget.js';
import { metrics } from '../../bot/core/metrics.js';
import { modelsOf, type ModelsSettings, type ProviderSettings } from './models.schema.js';
import { redactRequest, renderPrompt } from './prompt.js';
import { buildProvider, type ModelKeys } from './providers/index.js';
import {
  ModelCallError,
  type ModelProvider,
  type ModelRequest,
  type ModelUsage,
  type ProviderCall,
  type RoutedAnswer,
} from './types.js';

export interface RouterDeps {
  readonly redis: Redis;
  readonly prefix: string;
  readonly env: ModelKeys;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface CallMeta {
  readonly correlationId: string;
  readonly jobId?: string;
}

/** One model's answer, or the failure it raised: an exception carried to the retry logic (ModelCallError's kind
 *  decides the backoff), not a refusal anyone reads, so it is not an Outcome. */
type Attempt<T> = { value: T } | { error: ModelCallError };

export class ModelRouter {
  readonly breaker: CircuitBreaker;
  readonly budget: ModelBudget;
  private readonly providers = new Map<string, ModelProvider | { missing: string }>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: RouterDeps) {
    this.breaker = new CircuitBreaker(deps.redis, deps.prefix, deps.now);
    this.budget = new ModelBudget(deps.redis, deps.prefix, deps.now);
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** The ordered providers of a task for this tenant. */
  route(settings: ModelsSettings, task: string): ProviderSettings[] {
    const ids =
      settings.routes[task as keyof ModelsSettings['routes']] ??
      settings.routes.default ??
      settings.providers.map((p) => p.id);
    return ids
      .map((id) => settings.providers.find((p) => p.id === id))
      .filter((p): p is ProviderSettings => Boolean(p));
  }

  async ask<T>(tenant: Tenant, request: ModelRequest<T>, meta: CallMeta): Promise<RoutedAnswer<T>> {
    const settings = modelsOf(tenant);
    const order = this.route(settings, request.task);
    if (!order.length) return { source: 'offline', reason: 'no model is configured for this organisation' };
    const call = renderPrompt(await redactRequest(request));
    const reasons: string[] = [];
    for (const providerSettings of order) {
      const provider = this.provider(tenant.id, providerSettings);
      if ('missing' in provider) {
        reasons.push(provider.missing);
        continue;
      }
      const openFor = await this.breaker.openFor(tenant.id, provider.id);
      if (openFor > 0) {
        reasons.push(`${provider.id}: circuit open for ${Math.ceil(openFor / 1000)} s after repeated failures`);
        continue;
      }
      const result = await this.tryProvider(tenant, settings, providerSettings, provider, request, call, meta);
      if ('value' in result)
        return { source: 'model', value: result.value, provider: provider.id, model: provider.model };
      metrics.recordModelFallback(provider.id, result.error.kind);
      reasons.push(result.error.message);
    }
    return { source: 'offline', reason: `no model answered (${reasons.join('; ')})` };
  }

  private provider(tenantId: string, settings: ProviderSettings): ModelProvider | { missing: string } {
    const key = `${tenantId}\u0000${JSON.stringify(settings)}`;
    let provider = this.providers.get(key);
    if (!provider) {
      provider = buildProvider(settings, this.deps.env);
      this.providers.set(key, provider);
    }
    return provider;
  }

  private async tryProvider<T>(
    tenant: Tenant,
    settings: ModelsSettings,
    providerSettings: ProviderSettings,
    provider: ModelProvider,
    request: ModelRequest<T>,
    call: ProviderCall,
    meta: CallMeta,
  ): Promise<Attempt<T>> {
    let last: ModelCallError | undefined;
    for (let attempt = 1; attempt <= settings.retry.attemptsPerModel; attempt++) {
      await this.budget.admit(tenant.id, settings.budgets).catch((error: unknown) => {
        metrics.recordModelCall({
          provider: provider.id,
          model: provider.model,
          task: request.task,
          outcome: 'budget_exceeded',
        });
        throw error;
      });
      const result = await this.callOnce(tenant, providerSettings, provider, request, call, meta);
      if ('value' in result) {
        await this.breaker.success(tenant.id, provider.id);
        return result;
      }
      last = result.error;
      const open = await this.breaker.failure(tenant.id, provider.id, settings.breaker);
      const wait = this.waitBeforeRetry(result.error, attempt, settings);
      if (open || wait === undefined || attempt === settings.retry.attemptsPerModel) break;
      this.deps.log.debug({ provider: provider.id, kind: result.error.kind, wait }, 'model call failed; retrying');
      await this.sleep(wait);
    }
    return { error: last ?? new ModelCallError('client', `${provider.id}: not called`) };
  }

  /** undefined: do not retry this model (timeouts, malformed or off-schema answers, refusals, long retry-after). */
  private waitBeforeRetry(error: ModelCallError, attempt: number, settings: ModelsSettings): number | undefined {
    const { baseBackoffMs, maxBackoffMs } = settings.retry;
    if (error.kind === 'rate_limited') {
      const wait = error.retryAfterMs ?? baseBackoffMs * 2 ** (attempt - 1);
      return wait <= maxBackoffMs ? wait : undefined;
    }
    if (error.kind === 'server' || error.kind === 'connection') {
      const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** (attempt - 1));
      return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    }
    return undefined;
  }

  private async callOnce<T>(
    tenant: Tenant,
    settings: ProviderSettings,
    provider: ModelProvider,
    request: ModelRequest<T>,
    call: ProviderCall,
    meta: CallMeta,
  ): Promise<Attempt<T>> {
    const started = Date.now();
    let outcome: Attempt<T>;
    let tokens = { input: 0, output: 0 };
    try {
      const answer = await provider.call(call);
      tokens = { input: answer.inputTokens, output: answer.outputTokens };
      const parsed = request.schema.safeParse(answer.output);
      outcome = parsed.success
        ? { value: parsed.data }
        : {
            error: new ModelCallError(
              'schema',
              `${provider.id}: the answer does not fit the ${request.schemaName} schema`,
            ),
          };
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      outcome = { error };
    }
    const costUsd = (tokens.input * settings.inputCostPerMTok + tokens.output * settings.outputCostPerMTok) / 1e6;
    await this.record(tenant, request.task, meta, {
      provider: provider.id,
      model: provider.model,
      inputTokens: tokens.input,
      outputTokens: tokens.output,
      costUsd,
      latencyMs: Date.now() - started,
      outcome: 'value' in outcome ? 'success' : outcome.error.kind,
    });
    return outcome;
  }

  /** Spend, metrics and a `model.called` audit record: provider, model, tokens, cost, latency, outcome (no prompt). */
  private async record(tenant: Tenant, task: string, meta: CallMeta, usage: ModelUsage): Promise<void> {
    await this.budget.spend(tenant.id, usage.inputTokens + usage.outputTokens, usage.costUsd);
    metrics.recordModelCall({
      provider: usage.provider,
      model: usage.model,
      task,
      outcome: usage.outcome === 'success' ? 'ok' : usage.outcome,
      seconds: usage.latencyMs / 1000,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: usage.costUsd,
    });
    await this.deps.audit.append({
      tenantId: tenant.id,
      action: 'model.called',
      actor: { platform: 'system' },
      target: meta.jobId ?? `${usage.provider}/${usage.model}`,
      outcome: usage.outcome === 'success' ? 'success' : 'failure',
      details: { task, ...usage, tokens: usage.inputTokens + usage.outputTokens },
      correlationId: meta.correlationId,
    });
  }
}
