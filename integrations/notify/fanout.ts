// Routing: which deliveries one event makes. Webhooks go to every endpoint of the tenant subscribed to the event's
// type; mail goes to the people it concerns (eligible approvers, the requester, compliance officers) according to
// their preference (file, then `notify` overrides), held back until their quiet hours end.
import type { ApprovalsPort } from '../../bot/core/approvals.port.js';
import type { Member, Tenant } from '../../bot/core/types.js';
import type { NotifyEvent } from './events.js';
import { mailFor, type MailContent } from './mail.js';
import { msUntilQuietEnds, notificationsOf, preferenceSchema, type Preference } from './settings.schema.js';
import type { NotifyState } from './state.js';

export interface MailJob {
  readonly kind: 'mail';
  readonly deliveryId: string;
  readonly tenantId: string;
  readonly memberId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly content: MailContent;
}

export interface WebhookJob {
  readonly kind: 'webhook';
  readonly deliveryId: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly event: NotifyEvent;
}

export type Delivery = { job: MailJob; delayMs: number } | { job: WebhookJob; ordered: boolean };

/** Event types that reach people by mail. */
export const MAILED_TYPES: ReadonlySet<string> = new Set([
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'approval.voided',
  'breakglass.used',
]);

/** BullMQ job ids may not contain ":"; delivery ids double as job ids. */
export const deliveryIdOf = (...parts: string[]): string => parts.join('.').replace(/[^A-Za-z0-9_.-]/g, '_');

/** A member's effective preference: the tenants file, overridden field by field by what they set with `notify`. */
export async function preferenceOf(tenant: Tenant, memberId: string, state: NotifyState): Promise<Preference> {
  const fromFile = notificationsOf(tenant).members[memberId];
  const override = await state.preference(tenant.id, memberId);
  const merged: Record<string, unknown> = { ...(fromFile ?? {}), ...(override ?? {}) };
  if (merged.quietHours === 'off') delete merged.quietHours;
  return preferenceSchema.parse(merged);
}

export class RecipientNotReady extends Error {
  readonly code = 'notify.approval_not_stored';
}

async function recipientsOf(
  event: NotifyEvent,
  tenant: Tenant,
  approvals: ApprovalsPort | undefined,
): Promise<Member[]> {
  const byId = (ids: readonly string[]) => tenant.members.filter((m) => ids.includes(m.id));
  if (event.type === 'breakglass.used') return tenant.members.filter((m) => m.roles.includes('compliance_officer'));
  const approvalId = typeof event.data.approvalId === 'string' ? event.data.approvalId : undefined;
  if (!approvalId || !approvals) return [];
  if (event.type === 'approval.decided' && !['approved', 'rejected'].includes(String(event.data.state))) return [];
  const card = await approvals.get(tenant.id, approvalId);
  // The trail is written before the request is stored: a moment later it is there (the fan-out job retries).
  if (!card) throw new RecipientNotReady(`approval ${approvalId} is not stored yet`);
  if (event.type === 'approval.requested') return byId(card.eligibleApprovers.map((a) => a.memberId));
  return byId([card.requester.memberId]);
}

export interface FanoutDeps {
  readonly state: NotifyState;
  readonly approvals: () => ApprovalsPort | undefined;
  readonly smtpFor: (tenant: Tenant) => string | undefined;
  readonly publicUrl: string | undefined;
  readonly now: () => Date;
}

async function mailDeliveries(event: NotifyEvent, tenant: Tenant, deps: FanoutDeps): Promise<Delivery[]> {
  if (!MAILED_TYPES.has(event.type) || !deps.smtpFor(tenant)) return [];
  const content = mailFor(event, tenant.name, deps.publicUrl);
  if (!content) return [];
  const out: Delivery[] = [];
  for (const member of await recipientsOf(event, tenant, deps.approvals())) {
    if (!member.identities.email?.length) continue;
    const pref = await preferenceOf(tenant, member.id, deps.state);
    if (pref.channel !== 'email' && pref.channel !== 'both') continue;
    const job: MailJob = {
      kind: 'mail',
      deliveryId: deliveryIdOf(event.id, 'mail', member.id),
      tenantId: tenant.id,
      memberId: member.id,
      eventId: event.id,
      eventType: event.type,
      content,
    };
    out.push({ job, delayMs: msUntilQuietEnds(pref, deps.now()) });
  }
  return out;
}

function webhookDeliveries(event: NotifyEvent, tenant: Tenant): Delivery[] {
  return notificationsOf(tenant)
    .webhooks.filter((w) => (w.events as readonly string[]).includes(event.type))
    .map((w) => ({
      job: { kind: 'webhook', deliveryId: deliveryIdOf(event.id, w.id), tenantId: tenant.id, endpointId: w.id, event },
      ordered: event.type === 'audit.appended',
    }));
}

/** Every delivery the events of one audit record make. */
export async function fanout(events: readonly NotifyEvent[], tenant: Tenant, deps: FanoutDeps): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const event of events) {
    out.push(...webhookDeliveries(event, tenant));
    out.push(...(await mailDeliveries(event, tenant, deps)));
  }
  return out;
}

/** Whether a record of this tenant may need any delivery (checked on the append path, so it stays cheap). */
export function mayNotify(action: string, tenant: Tenant, smtp: boolean): boolean {
  if (action.startsWith('notify.')) return false;
  const hooks = notificationsOf(tenant).webhooks;
  if (hooks.some((w) => w.events.includes('audit.appended') || (w.events as readonly string[]).includes(action)))
    return true;
  return smtp && MAILED_TYPES.has(action);
}
