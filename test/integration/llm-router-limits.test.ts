// The model router's limits against the providers' real HTTP APIs (nock), with real Redis: the circuit breaker,
// budgets of tokens, cost and call rate, no provider or no key (offline), and keys that never reach the log or the
// audit trail whatever fails. The set-up is in helpers/llm-router.ts.
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../audit/trail.js';
import { ModelRouter } from '../../agents/llm/router.js';
import { loadEnv } from '../../bot/config/load.js';
import { secretValues } from '../../bot/config/env.js';
import {
  ANTHROPIC_API,
  ANTHROPIC_KEY,
  MODEL_ENV,
  OPENAI_API,
  OPENAI_KEY,
  anthropicMessage,
  nock,
  openAiCompletion,
  openAiProvider,
} from '../helpers/agents.js';
import { captureLogger, uniqueId } from '../helpers/app.js';
import { both, GOOD, request, tenantWith, useModelRouter } from '../helpers/llm-router.js';

const s = useModelRouter();

describe('model router limits: breaker, budgets and keys', () => {
  it(
    'circuit breaker: opens after repeated failures, ' + 'skips the provider, lets it back after the cool-down',
    async () => {
      let openaiCalls = 0;
      nock(OPENAI_API)
        .post('/v1/chat/completions')
        .times(2)
        .reply(() => (openaiCalls++, [503, {}]));
      nock(ANTHROPIC_API).post('/v1/messages').times(3).reply(200, anthropicMessage(GOOD));
      const tenant = tenantWith(both({ retry: { attemptsPerModel: 1 }, breaker: { failures: 2, coolDownMs: 30_000 } }));
      const r = s.router();
      await r.ask(tenant, request, { correlationId: 'b1' });
      await r.ask(tenant, request, { correlationId: 'b2' });
      expect(openaiCalls).toBe(2);
      const skipped = await r.ask(tenant, request, { correlationId: 'b3' });
      expect(openaiCalls).toBe(2);
      expect(skipped.source === 'model' && skipped.provider).toBe('claude');
      s.clock += 30_001;
      nock(OPENAI_API)
        .post('/v1/chat/completions')
        .reply(() => (openaiCalls++, [200, openAiCompletion(JSON.stringify(GOOD))]));
      const back = await r.ask(tenant, request, { correlationId: 'b4' });
      expect(openaiCalls).toBe(3);
      expect(back.source === 'model' && back.provider).toBe('openai-main');
      expect(await r.breaker.openFor('acme', 'openai-main')).toBe(0);
    },
  );

  it('budget exhausted: no call is made, and the error says which budget', async () => {
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .reply(200, openAiCompletion(JSON.stringify(GOOD)));
    const tenant = tenantWith(both({ budgets: { dailyTokens: 100 } }));
    const r = s.router();
    await r.ask(tenant, request, { correlationId: 'd1' });
    let called = false;
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .reply(() => ((called = true), [200, openAiCompletion(JSON.stringify(GOOD))]));
    await expect(r.ask(tenant, request, { correlationId: 'd2' })).rejects.toMatchObject({
      name: 'BudgetExhaustedError',
      message: expect.stringContaining('150 of 100 tokens'),
    });
    expect(called).toBe(false);
    s.clock += 86_400_000;
    await expect(r.ask(tenant, request, { correlationId: 'd3' })).resolves.toMatchObject({ source: 'model' });
  });

  it('cost budget and call rate are enforced as well', async () => {
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .times(2)
      .reply(200, openAiCompletion(JSON.stringify(GOOD)));
    const costly = tenantWith({
      providers: [openAiProvider({ inputCostPerMTok: 100_000 })],
      budgets: { dailyCostUsd: 5 },
    });
    const r = s.router();
    await r.ask(costly, request, { correlationId: 'e1' });
    await expect(r.ask(costly, request, { correlationId: 'e2' })).rejects.toThrow(
      /spending limit is reached \(\$12\.00 of \$5\.00\)/,
    );
    const rated = tenantWith({ providers: [openAiProvider()], budgets: { callsPerMinute: 1 } });
    const r2 = s.router();
    await r2.ask(rated, request, { correlationId: 'e3' });
    await expect(r2.ask(rated, request, { correlationId: 'e4' })).rejects.toThrow(
      /rate limit is reached \(1 calls per minute/,
    );
  });

  it('no provider configured, or its key missing: offline, naming the key reference but never a key', async () => {
    const none = await s.router().ask(tenantWith({}), request, { correlationId: 'f1' });
    expect(none).toEqual({ source: 'offline', reason: 'no model is configured for this organisation' });
    const missing = await s
      .router()
      .ask(tenantWith({ providers: [openAiProvider({ keyRef: 'globex-openai' })] }), request, { correlationId: 'f2' });
    expect(missing.source === 'offline' && missing.reason).toContain('"globex-openai" is not configured');
  });

  it('keys never reach the log or the audit trail, whatever fails', async () => {
    const env = loadEnv(MODEL_ENV);
    expect(secretValues(env)).toEqual(expect.arrayContaining([OPENAI_KEY, ANTHROPIC_KEY]));
    const { log, lines } = captureLogger(secretValues(env), 'trace');
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .reply(500, { error: { message: `invalid key ${OPENAI_KEY}` } });
    nock(OPENAI_API)
      .post('/v1/chat/completions')
      .reply(401, { error: { message: `Incorrect API key provided: ${OPENAI_KEY}` } });
    nock(ANTHROPIC_API)
      .post('/v1/messages')
      .reply(200, anthropicMessage({ verdict: 'ok', note: `echo ${ANTHROPIC_KEY}` }));
    const r = new ModelRouter({
      redis: s.redis,
      prefix: uniqueId('llm'),
      env,
      audit: new AuditTrail(s.store),
      log,
      sleep: async () => undefined,
    });
    const answer = await r.ask(tenantWith(both()), request, { correlationId: 'g1' });
    expect(answer.source).toBe('model');
    expect(lines.length).toBeGreaterThan(0);
    const everything =
      lines.join('\n') +
      JSON.stringify(await s.store.range('acme', 1, 100)) +
      JSON.stringify(answer.source === 'offline' ? answer.reason : '');
    for (const secret of [OPENAI_KEY, ANTHROPIC_KEY]) expect(everything).not.toContain(secret);
  });
});
