// Model usage metrics on prom-client's default registry (exposed by whichever module serves /metrics).
import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

export const modelCalls = counter('void_model_calls_total', 'Model calls by provider, model, task and outcome', ['provider', 'model', 'task', 'outcome']);
export const modelTokens = counter('void_model_tokens_total', 'Model tokens by provider, model and direction', ['provider', 'model', 'direction']);
export const modelCost = counter('void_model_cost_usd_total', 'Model cost in US dollars by provider and model', ['provider', 'model']);
export const modelLatency =
  (register.getSingleMetric('void_model_call_seconds') as Histogram<string> | undefined) ??
  new Histogram({ name: 'void_model_call_seconds', help: 'Model call latency', labelNames: ['provider', 'model'], buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60] });
