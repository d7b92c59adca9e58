// Bound projects only: a tenant's JIRA commands and automations act on tickets of its `bindings.jira.projectKeys`
// and nothing else, checked before any read or write (an empty list means every project of the tenant's site).
import type { Tenant } from '../../bot/core/types.js';

/** The project of a ticket key (`PAY-12` → `PAY`). */
export function projectOf(key: string): string {
  const dash = key.lastIndexOf('-');
  return (dash > 0 ? key.slice(0, dash) : key).toUpperCase();
}

/** Why this tenant may not touch this ticket, or undefined when it may. A tenant without a JIRA site has no
 *  client to act with at all (the ticket port refuses it as not configured). */
export function unboundTicket(tenant: Pick<Tenant, 'name' | 'bindings'>, key: string): string | undefined {
  const jira = tenant.bindings.jira;
  if (!jira) return undefined;
  const project = projectOf(key);
  if (!jira.projectKeys.length || jira.projectKeys.includes(project)) return undefined;
  return (
    `${key} is in the JIRA project ${project}, which is not one of ${tenant.name}'s projects ` +
    `(${jira.projectKeys.join(', ')}): Void does not read or change it. Nothing was done.`
  );
}
