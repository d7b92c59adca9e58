// Anthropic through the official SDK. The answer is forced through one tool whose input schema is the job's
// schema, so the model can only fill that shape. The SDK never retries (maxRetries 0): the router does.
import type Anthropic from '@anthropic-ai/sdk';
import type { ModelProvider, ProviderAnswer, ProviderCall } from '../types.js';
import type { ProviderSettings } from '../models.schema.js';
import { classifySdkError } from './errors.js';
import { ModelCallError } from '../types.js';

export class AnthropicProvider implements ModelProvider {
  readonly id: string;
  readonly type = 'anthropic';
  readonly model: string;
  /** The SDK is loaded at the first call: processes that never call a model (the web role) do not hold it. */
  private client: Promise<Anthropic> | undefined;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly apiKey: string,
  ) {
    this.id = settings.id;
    this.model = settings.model;
  }

  private sdk(): Promise<Anthropic> {
    this.client ??= import('@anthropic-ai/sdk').then(
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
    let message: Anthropic.Message;
    const client = await this.sdk();
    try {
      message = await client.messages.create({
        model: this.settings.model,
        max_tokens: this.settings.maxOutputTokens,
        system: request.system,
        messages: [{ role: 'user', content: request.user }],
        tools: [
          {
            name: request.schemaName,
            description: 'Record the answer.',
            input_schema: request.jsonSchema as Anthropic.Tool.InputSchema,
          },
        ],
        tool_choice: { type: 'tool', name: request.schemaName },
      });
    } catch (error) {
      throw classifySdkError(error, this.id);
    }
    const block = Array.isArray(message?.content) ? message.content.find((b) => b.type === 'tool_use') : undefined;
    if (!block || block.type !== 'tool_use')
      throw new ModelCallError('malformed', `${this.id}: the answer has no tool_use block`);
    return {
      output: block.input,
      inputTokens: message.usage?.input_tokens ?? 0,
      outputTokens: message.usage?.output_tokens ?? 0,
    };
  }
}
