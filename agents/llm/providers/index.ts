// Builds a tenant's providers from its settings and the configured keys. A provider whose key is missing is not
// built, and the reason is kept so that the thread can be told (never the key itself).
import type { ModelProvider } from '../types.js';
import type { ProviderSettings } from '../models.schema.js';
import { AnthropicProvider } from './anthropic.provider.js';
import { OpenAiProvider } from './openai.provider.js';

/** The configured model keys (the fields of the application's Env that providers read; Env fits as it is). */
export interface ModelKeys {
  readonly OPENAI_API_KEY?: string | undefined;
  readonly ANTHROPIC_API_KEY?: string | undefined;
  readonly VOID_MODEL_KEYS?: Readonly<Record<string, string>> | undefined;
}

export function resolveKey(settings: ProviderSettings, env: ModelKeys): string | undefined {
  const ref =
    settings.keyRef ??
    (settings.type === 'anthropic' ? 'ANTHROPIC_API_KEY' : settings.type === 'openai' ? 'OPENAI_API_KEY' : undefined);
  if (!ref) return settings.type === 'openai_compatible' ? 'unused' : undefined;
  if (ref === 'OPENAI_API_KEY') return env.OPENAI_API_KEY;
  if (ref === 'ANTHROPIC_API_KEY') return env.ANTHROPIC_API_KEY;
  return env.VOID_MODEL_KEYS?.[ref];
}

export function buildProvider(settings: ProviderSettings, env: ModelKeys): ModelProvider | { missing: string } {
  const key = resolveKey(settings, env);
  if (!key) return { missing: `${settings.id}: its key "${settings.keyRef ?? 'default'}" is not configured` };
  return settings.type === 'anthropic' ? new AnthropicProvider(settings, key) : new OpenAiProvider(settings, key);
}
