// Audit record → notification event. Notifications are derived from the tenant's trail, so that every event a
// receiver sees is one the trail holds. Payloads are built from an allow-list of fields: ids, codes, states, counts
// and the canonical command summary. Nothing typed by a person, no diff, no prompt, no secret ever gets in.
import type { AuditRecord } from '../../bot/core/audit.js';
import type { WebhookEventType } from './settings.schema.js';

export interface NotifyEvent {
  /** Stable across retries and replays: the receiver's idempotency key (`webhook-id`). */
  readonly id: string;
  readonly type: WebhookEventType | 'webhook.test';
  readonly tenantId: string;
  /** ISO time of the audit record. */
  readonly timestamp: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const DIRECT: ReadonlySet<string> = new Set([
  'approval.requested',
  'approval.decided',
  'approval.voided',
  'approval.expired',
  'job.started',
  'job.completed',
  'job.failed',
  'breakglass.used',
]);

/** Detail keys that may reach a receiver: facts, never content. */
const SAFE_DETAILS = [
  'approvalId',
  'rule',
  'kind',
  'summary',
  'decision',
  'state',
  'code',
  'attempt',
  'attempts',
  'jobId',
  'followUpId',
  'headSeq',
  'count',
] as const;
const SAFE_VALUE = /^[\w .,:;@#/+=()<>|*'"-]{0,300}$/u;

function safeDetails(details: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SAFE_DETAILS) {
    const value = details?.[key];
    if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'string' && SAFE_VALUE.test(value) && !value.includes('\n')) out[key] = value;
  }
  return out;
}

function base(record: AuditRecord): Record<string, unknown> {
  return {
    seq: record.seq,
    action: record.action,
    target: record.target,
    outcome: record.outcome,
    correlationId: record.correlationId,
    actor: { memberId: record.actor.memberId, platform: record.actor.platform },
  };
}

/** The events one audit record raises: its own type (when it has one) and `audit.appended` (SIEM streaming).
 *  Void's own notification records (`notify.*`) raise nothing, so that delivering an event never raises another. */
export function eventsOf(record: AuditRecord): NotifyEvent[] {
  if (record.action.startsWith('notify.')) return [];
  const data = { ...base(record), ...safeDetails(record.details) };
  const out: NotifyEvent[] = [];
  if (DIRECT.has(record.action)) {
    out.push({
      id: `evt_${record.tenantId}_${record.seq}`,
      type: record.action as WebhookEventType,
      tenantId: record.tenantId,
      timestamp: record.ts,
      data,
    });
  }
  out.push({
    id: `evt_${record.tenantId}_${record.seq}_audit`,
    type: 'audit.appended',
    tenantId: record.tenantId,
    timestamp: record.ts,
    data: { ...data, hash: record.hash, prevHash: record.prevHash },
  });
  return out;
}

/** The JSON body a receiver gets (the Standard Webhooks envelope: type, timestamp, data). */
export function webhookBody(event: NotifyEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.timestamp,
    data: { tenantId: event.tenantId, ...event.data },
  });
}
