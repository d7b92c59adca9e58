// OpenAI and every server that speaks its API (Ollama, vLLM, Azure OpenAI) through the official SDK. The SDK never
// retries (maxRetries 0): the router is the only retry loop.
import type OpenAI from 'openai';
import type { ModelProvider, ProviderAnswer, ProviderCall } from '../types.js';
import type { ProviderSettings } from '../models.schema.js';
import { classifySdkError, parseJsonAnswer } from './errors.js';
import { ModelCallError } from '../types.js';

export class OpenAiProvider implements ModelProvider {
  readonly id: string;
  readonly type: string;
  readonly model: string;
  /** The SDK is loaded at the first call: processes that never call a model (the web role) do not hold it. */
  private client: Promise<OpenAI> | undefined;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly apiKey: string,
  ) {
    this.id = settings.id;
    this.type = settings.type;
    this.model = settings.model;
  }

  private sdk(): Promise<OpenAI> {
    this.client ??= import('openai').then(
      ({ default: Sdk }) =>
        new Sdk({
          apiKey: this.apiKey,
          baseURL: this.settings.baseUrl,
          timeout: this.settings.timeoutMs,
          maxRetries: 0,
        }),
    );
    return this.client;
  }

  async call(request: ProviderCall): Promise<ProviderAnswer> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    const client = await this.sdk();
    try {
      completion = await client.chat.completions.create({
        model: this.settings.model,
        max_tokens: this.settings.maxOutputTokens,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: request.schemaName, schema: request.jsonSchema, strict: false },
        },
      });
    } catch (error) {
      throw classifySdkError(error, this.id);
    }
    const choice = completion?.choices?.[0];
    if (!choice?.message) throw new ModelCallError('malformed', `${this.id}: the answer has no message`);
    return {
      output: parseJsonAnswer(choice.message.content, this.id),
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
    };
  }
}
