// The worker's half of a JIRA webhook (ARCHITECTURE.md "The flow of one request"): the web role verified the delivery,
// checked its site and queued it in one Redis round trip (receiver.ts); here the tenant whose secret verified it is
// looked up again and the event is handled (events.ts: own events, project scope, the dispatcher with identity, the
// `command.received` record, limits, policy and approvals, replies as comments). A command whose audit record cannot
// be written is not run: the item is retried with the intake's backoff, and after its last attempt the ticket is told.
import { VoidError } from '../../bot/core/errors.js';
import type { IntakeItem } from '../../bot/core/intake.js';
import type { Logger } from '../../bot/core/logger.js';
import { normaliseSiteUrl } from '../../bot/core/registry.js';
import type { Tenant } from '../../bot/core/types.js';
import { handleEvent, type JiraEventDeps } from './events.js';
import { webhookSchema, type JiraWebhook } from './mapper.js';
import { unboundTicket } from './projects.js';

/** The intake item's meta: the tenant whose secret verified the delivery, and whether it came to the legacy URL
 *  `/jira/webhooks` (whose verifier is the shared JIRA_WEBHOOK_SECRET) rather than `/jira/webhooks/<tenant>`. */
export function queuedMeta(tenantId: string, legacyUrl: boolean): Readonly<Record<string, string>> {
  return legacyUrl ? { tenant: tenantId, legacy: '1' } : { tenant: tenantId };
}

/** Runs a queued JIRA delivery in the worker. `attempt.id` (the intake item's id) lets a second run of the same item
 *  take over its own delivery claims (InboundCommand.attempt). */
export async function handleQueued(
  deps: JiraEventDeps,
  item: IntakeItem,
  attempt: { readonly final: boolean; readonly id: string },
  log: Logger,
): Promise<void> {
  const tenantId = item.meta?.tenant ?? '';
  const child = log.child({ deliveryId: item.deliveryId, tenant: tenantId });
  const verifier = deps.verifierFor(item.meta?.legacy ? undefined : tenantId);
  if (!verifier || verifier.tenant.id !== tenantId) {
    child.warn({}, 'queued JIRA delivery for a tenant without a webhook secret in this process: dropped');
    return;
  }
  const parsed = webhookSchema.safeParse(item.body);
  if (!parsed.success) {
    child.warn({}, "queued JIRA delivery not shaped like JIRA Cloud's: dropped");
    return;
  }
  try {
    const answer = await handleEvent(deps, verifier.tenant, parsed.data, item.deliveryId, { log: child }, attempt.id);
    child.debug({ outcome: answer.body }, 'JIRA delivery handled');
  } catch (error) {
    // The failing command gave its delivery back: retried with backoff (commands already run are duplicates then);
    // after the last attempt the ticket is told.
    if (!attempt.final) throw error;
    await tellFailure(deps, verifier.tenant, parsed.data, error, child);
  }
}

/** A delivery that could not be handled after its last attempt: the ticket is told that nothing was done. */
async function tellFailure(
  deps: JiraEventDeps,
  tenant: Tenant,
  payload: JiraWebhook,
  error: unknown,
  log: Logger,
): Promise<void> {
  log.error({ err: { message: (error as Error)?.message } }, 'JIRA: a queued delivery failed on its last attempt');
  const key = payload.issue?.key;
  const chat = deps.chat();
  // A ticket outside the tenant's projects is never written to (not even to say this).
  if (!key || unboundTicket(tenant, key) || !chat) return;
  const text =
    error instanceof VoidError ? error.message : 'Void hit an internal error; it has been logged. Nothing was done.';
  const thread = {
    platform: 'jira' as const,
    channel: key,
    thread: normaliseSiteUrl(tenant.bindings.jira?.siteUrl ?? ''),
  };
  await chat
    .post(thread, { text, kind: 'refusal' })
    .catch((err: unknown) => log.warn({ err }, 'could not tell the JIRA ticket that nothing was done'));
}
