// The implementation loop: a pull request that names a ticket key (title, branch or body) keeps that ticket current.
// Each configured step (opened, review approved, merged, closed, …) moves the ticket per the tenant's transitions
// and posts one comment; a step's comment carries a marker, so a redelivered event updates it instead of adding one.
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { Tenant } from '../../bot/core/types.js';
import type { PullRequestEvent, PullRequestListener } from '../../bot/core/vcs.port.js';
import { correlationIdFor } from '../../bot/core/dispatch.js';
import type { ClaimLedger } from '../../bot/core/inbound.js';
import type { Logger } from '../../bot/core/logger.js';
import type { AuditLog } from '../../bot/core/audit.js';
import { automationOf, type PrStep } from './automation.schema.js';
import type { JiraTicketClient } from './client.js';

const KEY = /\b([A-Z][A-Z0-9_]{1,9}-\d{1,9})\b/g;
const MAX_TICKETS = 5;

/** Ticket keys a pull request names (title, then branch, then body), of the tenant's projects when it lists any. */
export function ticketKeysOf(pr: PullRequestEvent['pr'], projects: readonly string[]): string[] {
  const found: string[] = [];
  for (const text of [pr.title, pr.headRef.toUpperCase(), pr.body ?? '']) {
    for (const match of text.matchAll(KEY)) {
      const key = match[1] as string;
      const project = key.slice(0, key.lastIndexOf('-'));
      if ((projects.length === 0 || projects.includes(project)) && !found.includes(key)) found.push(key);
    }
  }
  return found.slice(0, MAX_TICKETS);
}

const WORDS: Record<PrStep, string> = {
  opened: 'opened',
  reopened: 'reopened',
  ready_for_review: 'marked ready for review',
  review_approved: 'approved in review',
  merged: 'merged',
  closed: 'closed without merging',
};

export interface PullRequestLoopDeps {
  readonly registry: TenantRegistry;
  readonly tickets: JiraTicketClient;
  readonly audit: AuditLog;
  /** De-duplicates redelivered GitHub events per tenant (claim lease of 5 minutes: ticket updates can be slow). */
  readonly ledger: ClaimLedger;
  readonly log: Logger;
}

export function pullRequestListener(deps: PullRequestLoopDeps): PullRequestListener {
  return async (event) => {
    const tenant = deps.registry.get(event.tenantId);
    if (!tenant?.bindings.jira || !deps.tickets.configured(tenant.id)) return;
    if (event.action === 'synchronize') return;
    const step = event.action as PrStep;
    const settings = automationOf(tenant).pullRequests;
    const toStatus = settings.transitions[step];
    if (!toStatus && !settings.comment.includes(step)) return;
    const keys = ticketKeysOf(event.pr, tenant.bindings.jira.projectKeys);
    if (!keys.length) return;
    // A redelivered GitHub event (same delivery id) is a no-op; the claim lapses if handling fails.
    const ledgerKey = `jira-pr:${tenant.id}`;
    if ((await deps.ledger.claim(ledgerKey, event.deliveryId)) === 'duplicate') return;
    try {
      for (const key of keys)
        await updateTicket(deps, tenant, event, key, step, toStatus, settings.comment.includes(step));
      await deps.ledger.done(ledgerKey, event.deliveryId);
    } catch (error) {
      await deps.ledger.release(ledgerKey, event.deliveryId).catch(() => undefined);
      throw error;
    }
  };
}

async function updateTicket(
  deps: PullRequestLoopDeps,
  tenant: Tenant,
  event: PullRequestEvent,
  key: string,
  step: PrStep,
  toStatus: string | undefined,
  comment: boolean,
): Promise<void> {
  const { pr } = event;
  const prName = `${pr.repo.owner}/${pr.repo.name}#${pr.number}`;
  const log = deps.log.child({ tenant: tenant.id, ticket: key, pr: prName, step });
  // No side effect without its audit record: written first; a failed append stops the update.
  await deps.audit.append({
    tenantId: tenant.id,
    action: 'jira.ticket_updated',
    actor: { platform: 'github', platformUserId: pr.author },
    target: key,
    outcome: 'success',
    details: { pullRequest: prName, step, toStatus: toStatus ?? null, comment },
    correlationId: correlationIdFor('github', event.deliveryId),
  });
  let moved: boolean | undefined;
  try {
    if (toStatus) moved = await deps.tickets.transition(tenant.id, key, toStatus);
    if (!comment) return;
    const status = toStatus
      ? moved
        ? ` Status: ${toStatus}.`
        : ` It could not be moved to ${toStatus} from its current status.`
      : '';
    const body = `🔀 Pull request ${prName} was ${WORDS[step]}: ${pr.url}${status}`;
    await deps.tickets.upsertComment(tenant.id, key, body, `pr:${prName}:${step}`);
  } catch (error) {
    log.warn({ err: error }, 'could not update the JIRA ticket for a pull request event');
    await deps.audit
      .append({
        tenantId: tenant.id,
        action: 'jira.ticket_update_failed',
        actor: { platform: 'system' },
        target: key,
        outcome: 'failure',
        details: { pullRequest: prName, step, code: (error as { code?: string }).code ?? 'error' },
        correlationId: correlationIdFor('github', event.deliveryId),
      })
      .catch(() => undefined);
    throw error;
  }
}
