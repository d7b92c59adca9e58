// Model provider helpers for tests: keys, and answers in the providers' real wire formats for nock.
import nock from 'nock';

export const OPENAI_KEY = 'sk-test-openai-4b9d2f7a1c3e5b7d9f1a';
export const ANTHROPIC_KEY = 'sk-ant-test-anthropic-8e6c4a2b0d9f7e5c';
export const MODEL_ENV = {
  VOID_MODEL_KEYS: JSON.stringify({ 'acme-openai': OPENAI_KEY, 'acme-anthropic': ANTHROPIC_KEY }),
};

export const OPENAI_API = 'https://api.openai.com';
export const ANTHROPIC_API = 'https://api.anthropic.com';

export function openAiCompletion(content: string, model = 'gpt-4o-mini') {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1764000000,
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
  };
}

export function anthropicMessage(input: unknown, model = 'claude-sonnet-4-6') {
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'tool_use', id: 'toolu_test', name: 'answer', input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 200, output_tokens: 40 },
  };
}

export function openAiProvider(extra: Record<string, unknown> = {}) {
  return { id: 'openai-main', type: 'openai', model: 'gpt-4o-mini', keyRef: 'acme-openai', timeoutMs: 2000, ...extra };
}

export function anthropicProvider(extra: Record<string, unknown> = {}) {
  return {
    id: 'claude',
    type: 'anthropic',
    model: 'claude-sonnet-4-6',
    keyRef: 'acme-anthropic',
    timeoutMs: 2000,
    ...extra,
  };
}

export { nock };
