// Sending one delivery: a mail through the tenant's SMTP relay, or a signed webhook, each at most once (the sent
// mark is checked first and set after), recorded on the tenant's audit trail. A refusal that retrying cannot fix is
// an UnrecoverableError, so BullMQ sends the job straight to the dead letters. The engine calls these from its worker.
import { UnrecoverableError } from 'bullmq';
import type { AuditLog } from '../../bot/core/audit.js';
import type { Tenant } from '../../bot/core/types.js';
import { type MailJob, type WebhookJob } from './fanout.js';
import { recordNotification } from './metrics.js';
import { notificationsOf } from './settings.schema.js';
import { deliverWebhook, PermanentWebhookError } from './webhook.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { FanoutDeps } from './fanout.js';
import type { Mailer } from './mail.js';
import type { NotifyState } from './state.js';
import type { WebhookSettings } from './webhook.js';

/** What sending needs (a part of the engine's dependencies). */
export interface SendDeps {
  readonly registry: TenantRegistry;
  readonly audit: AuditLog;
  readonly state: NotifyState;
  readonly mailer: Mailer;
  readonly webhook: WebhookSettings;
  readonly fanout: FanoutDeps;
}

export function tenantOf(deps: Pick<SendDeps, 'registry'>, id: string): Tenant {
  const tenant = deps.registry.get(id);
  if (!tenant) throw new UnrecoverableError(`tenant ${id} is no longer configured`);
  return tenant;
}

export async function sendMail(deps: SendDeps, job: MailJob, attempt: number): Promise<void> {
  const { state } = deps;
  if (await state.wasSent(job.deliveryId)) return;
  const tenant = tenantOf(deps, job.tenantId);
  const member = tenant.members.find((m) => m.id === job.memberId);
  const to = member?.identities.email?.[0];
  const url = deps.fanout.smtpFor(tenant);
  if (!to || !url) throw new UnrecoverableError('notify.no_address');
  let result;
  try {
    result = await deps.mailer.send(url, to, job.content, `<${job.deliveryId}@void>`);
  } catch (error) {
    const code = `smtp.${String((error as { code?: string }).code ?? 'error').toLowerCase()}`;
    await state.recordSmtp('error', code);
    recordNotification('email', 'retried');
    throw new Error(code);
  }
  if (result.rejected > 0) {
    await state.recordSmtp('bounce', 'smtp.rejected');
    recordNotification('email', 'bounced');
    throw new UnrecoverableError('smtp.rejected');
  }
  await state.markSent(job.deliveryId);
  recordNotification('email', 'sent');
  await recordDelivery(
    deps.audit,
    job.tenantId,
    'notify.sent',
    'success',
    { channel: 'email', recipient: job.memberId, eventType: job.eventType, deliveryId: job.deliveryId, attempt },
    job.eventId,
  );
}

export async function sendWebhook(deps: SendDeps, job: WebhookJob, attempt: number): Promise<void> {
  if (await deps.state.wasSent(job.deliveryId)) return;
  const endpoint = notificationsOf(tenantOf(deps, job.tenantId)).webhooks.find((w) => w.id === job.endpointId);
  if (!endpoint) throw new UnrecoverableError('webhook.endpoint_removed');
  try {
    await deliverWebhook(job.tenantId, endpoint, job.event, deps.state, deps.webhook);
  } catch (error) {
    recordNotification('webhook', error instanceof PermanentWebhookError ? 'refused' : 'retried');
    if (error instanceof PermanentWebhookError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
    throw error;
  }
  await deps.state.markSent(job.deliveryId);
  recordNotification('webhook', 'sent');
  await recordDelivery(
    deps.audit,
    job.tenantId,
    'notify.sent',
    'success',
    { channel: 'webhook', recipient: job.endpointId, eventType: job.event.type, deliveryId: job.deliveryId, attempt },
    job.event.id,
  );
}

export async function recordDelivery(
  audit: AuditLog,
  tenantId: string,
  action: 'notify.sent' | 'notify.failed',
  outcome: 'success' | 'failure',
  details: Record<string, unknown>,
  correlationId: string,
): Promise<void> {
  await audit.append({
    tenantId,
    action,
    actor: { platform: 'system' },
    target: String(details.deliveryId),
    outcome,
    details,
    correlationId,
  });
}
