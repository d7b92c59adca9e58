import { describe, expect, it } from 'vitest';
import { modelsOf } from '../../agents/llm/models.schema.js';
import { ConfigError, loadEnv, parseTenantsYaml } from '../../bot/config/load.js';
import { secretValues } from '../../bot/config/env.js';
import { tenantsYaml } from '../helpers/agents.js';

function problems(models: unknown): string[] {
  try {
    parseTenantsYaml(tenantsYaml(models), 'void.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('the models section of the tenants file', () => {
  it('defaults to no provider (the offline engine) with sane budgets', () => {
    const tenant = parseTenantsYaml(tenantsYaml({}), 'void.yaml')[0];
    const settings = modelsOf(tenant ?? { models: {} });
    expect(settings.providers).toEqual([]);
    expect(settings.budgets.callsPerMinute).toBe(60);
    expect(settings.retry).toEqual({ attemptsPerModel: 2, baseBackoffMs: 500, maxBackoffMs: 8000 });
  });

  it(
    'names every problem with its path: unknown provider in a route, ' +
      'compatible server without baseUrl, unknown keys',
    () => {
      const found = problems({
        providers: [{ id: 'local', type: 'openai_compatible', model: 'llama3' }],
        routes: { review: ['missing'] },
        apiKey: 'sk-should-not-be-here',
      });
      expect(found.join('\n')).toContain(
        'tenants[0].models.providers[0].baseUrl: an openai_compatible provider needs its baseUrl',
      );
      expect(found.join('\n')).toMatch(/apiKey/);
      expect(found.join('\n')).not.toContain('sk-should-not-be-here');
    },
  );

  it('rejects a route to a provider that does not exist', () => {
    expect(
      problems({ providers: [{ id: 'a', type: 'openai', model: 'gpt-4o-mini' }], routes: { review: ['b'] } }).join(
        '\n',
      ),
    ).toContain('tenants[0].models.routes.review[0]: no provider "b" in models.providers');
  });

  it('rejects a key pasted where its name belongs', () => {
    expect(
      problems({ providers: [{ id: 'a', type: 'openai', model: 'gpt-4o-mini', keyRef: 'sk-proj abc/def' }] }).join(
        '\n',
      ),
    ).toContain('expected the name of a key, not the key');
  });
});

describe('VOID_MODEL_KEYS', () => {
  it('holds per-tenant keys, all of them treated as secrets', () => {
    const env = loadEnv({ VOID_MODEL_KEYS: '{"acme-openai":"sk-aaaa1111","globex":"sk-bbbb2222"}' });
    expect(env.VOID_MODEL_KEYS).toEqual({ 'acme-openai': 'sk-aaaa1111', globex: 'sk-bbbb2222' });
    expect(secretValues(env)).toEqual(expect.arrayContaining(['sk-aaaa1111', 'sk-bbbb2222']));
  });

  it('malformed: a clear error that does not echo the value', () => {
    let message = '';
    try {
      loadEnv({ VOID_MODEL_KEYS: '{"acme": sk-cccc3333' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('VOID_MODEL_KEYS: expected a JSON object of key names to key values');
    expect(message).not.toContain('sk-cccc3333');
  });
});
