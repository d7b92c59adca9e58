// Which repository a deploy of a service targets: `models.services.<service>.repo` of the tenant, else the tenant's
// GitHub org / service name. In the kernel because two layers resolve it the same way: approvals binds an approval to
// the commit the deploy will run (approvals/digest.ts), the deploy agent runs it (agents/deploy/deploy.agent.ts).
import type { RepoRef } from './grammar.js';
import type { Tenant } from './types.js';

/** The service's repository, or undefined when nothing names one (no entry and no GitHub org). The tenants file is
 *  validated at load (agents/llm/models.schema.ts), so `repo` here is always `owner/name`. */
export function deployRepoOf(tenant: Tenant, service: string): RepoRef | undefined {
  const services = (tenant.models as { services?: Record<string, { repo?: unknown } | undefined> } | undefined)
    ?.services;
  const configured = Object.hasOwn(services ?? {}, service) ? services?.[service]?.repo : undefined;
  if (typeof configured === 'string') {
    const [owner = '', name = ''] = configured.split('/');
    return { owner, name };
  }
  const org = tenant.bindings.github?.org;
  return org ? { owner: org, name: service } : undefined;
}
