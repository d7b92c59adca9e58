// One signed webhook delivery: circuit breaker, SSRF check, Standard Webhooks signature (`webhook-id`,
// `webhook-timestamp`, `webhook-signature`, by the `standardwebhooks` package), pinned POST, answer judged.
import { Webhook } from 'standardwebhooks';
import { webhookBody, type NotifyEvent } from './events.js';
import { checkTarget, postPinned, type AllowList, type Resolver } from './outbound.js';
import type { WebhookEndpoint } from './settings.schema.js';
import type { BreakerSettings, NotifyState } from './state.js';

export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookSettings {
  readonly allow: AllowList;
  readonly resolve: Resolver;
  readonly secrets: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly breaker: BreakerSettings;
  readonly now: () => Date;
}

/** A failure that retrying cannot cure (a refused address, a missing secret): straight to the dead-letter list. */
export class PermanentWebhookError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentWebhookError';
  }
}

/** A failure worth retrying later (an answer that is not 2xx, no answer, the breaker open). */
export class WebhookAttemptError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookAttemptError';
  }
}

/** Signs the body as the Standard Webhooks specification says; the secret is a `whsec_…` base64 key. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  const signature = new Webhook(secret).sign(id, at, body);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
    'content-type': 'application/json',
    'user-agent': 'Void-Webhooks/1',
  };
}

/** Delivers one event to one endpoint once; resolves the HTTP status on success, throws otherwise. */
export async function deliverWebhook(
  tenantId: string,
  endpoint: WebhookEndpoint,
  event: NotifyEvent,
  state: NotifyState,
  s: WebhookSettings,
): Promise<number> {
  const open = await state.breakerOpenFor(tenantId, endpoint.id, s.now().getTime());
  if (open > 0)
    throw new WebhookAttemptError(
      'webhook.circuit_open',
      `endpoint ${endpoint.id} failed repeatedly; circuit open for ${Math.ceil(open / 1000)} s more`,
    );
  const secret = s.secrets[endpoint.secretRef];
  if (!secret)
    throw new PermanentWebhookError(
      'webhook.no_secret',
      `VOID_WEBHOOK_SECRETS has no secret named "${endpoint.secretRef}" for endpoint ${endpoint.id}`,
    );
  const target = await checkTarget(endpoint.url, s.allow, s.resolve);
  if (!target.ok)
    throw new PermanentWebhookError(target.refusal.code, `endpoint ${endpoint.id}: ${target.refusal.message}`);
  const body = webhookBody(event);
  if (Buffer.byteLength(body) > MAX_WEBHOOK_BODY_BYTES)
    throw new PermanentWebhookError(
      'webhook.body_too_large',
      `event ${event.id} exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`,
    );
  let headers: Record<string, string>;
  try {
    headers = signedHeaders(secret, event.id, s.now(), body);
  } catch {
    throw new PermanentWebhookError(
      'webhook.bad_secret',
      `the secret "${endpoint.secretRef}" is not a Standard Webhooks secret (whsec_ followed by base64)`,
    );
  }
  let status: number;
  try {
    status = (await postPinned(target, { headers, body, timeoutMs: s.timeoutMs, maxResponseBytes: s.maxResponseBytes }))
      .status;
  } catch (error) {
    await state.breakerFailure(tenantId, endpoint.id, s.breaker, s.now().getTime());
    const code =
      (error as Error).message === 'webhook.timeout'
        ? 'webhook.timeout'
        : `webhook.network_${(error as NodeJS.ErrnoException).code ?? 'error'}`;
    throw new WebhookAttemptError(code, `endpoint ${endpoint.id}: no answer (${code})`);
  }
  if (status >= 200 && status < 300) {
    await state.breakerSuccess(tenantId, endpoint.id);
    return status;
  }
  await state.breakerFailure(tenantId, endpoint.id, s.breaker, s.now().getTime());
  // A redirect is an answer too, and never followed: the endpoint must be configured with its final URL.
  throw new WebhookAttemptError(
    `webhook.status_${status}`,
    `endpoint ${endpoint.id} answered ${status}${status >= 300 && status < 400 ? ' (a redirect: not followed)' : ''}`,
  );
}
