// `void policy explain <command ...> --as [<tenant>/]<member>`: the policy dry run from a terminal. Reads only the
// configuration: no Redis, no store, no audit record, no side effect.
import { parseCommand } from '../bot/core/grammar.js';
import type { Tenant } from '../bot/core/types.js';
import { explainPolicy } from './policy.js';

/** The part of the configuration the dry run reads (the application's Config fits as it is). */
export interface PolicyCliConfig {
  readonly tenants: readonly Tenant[];
  readonly tenantsFile: { readonly path: string };
}

export function policyCli(
  config: PolicyCliConfig,
  args: readonly string[],
  as: string | undefined,
): { code: number; text: string } {
  const usage =
    'Usage: void policy explain <command ...> --as [<tenant>/]<member>   e.g. void policy explain deploy ' +
    'payments to production --as acme/bob';
  if (args[0] !== 'explain' || args.length < 2) return { code: 2, text: usage };
  if (!as) return { code: 2, text: `Say who would ask: --as <member> or --as <tenant>/<member>.\n${usage}` };
  const [tenantId, memberId] = as.includes('/') ? as.split('/', 2) : [undefined, as];
  const tenants = config.tenants.filter((t) =>
    tenantId ? t.id === tenantId : t.members.some((m) => m.id === memberId),
  );
  if (tenants.length === 0)
    return {
      code: 2,
      text: `No ${tenantId ? `tenant "${tenantId}" with ` : ''}member "${memberId}" in ${config.tenantsFile.path}.`,
    };
  if (tenants.length > 1)
    return {
      code: 2,
      text: `"${memberId}" is a member of ${tenants.map((t) => t.id).join(', ')}: say --as <tenant>/${memberId}.`,
    };
  const tenant = tenants[0]!;
  const member = tenant.members.find((m) => m.id === memberId);
  if (!member)
    return {
      code: 2,
      text: `No member "${memberId}" in ${tenant.id}. Members: ${tenant.members.map((m) => m.id).join(', ')}.`,
    };
  const parsed = parseCommand(['policy', ...args].join(' '));
  if (!parsed.ok) return { code: 2, text: `${parsed.refusal.params.error}\n${parsed.refusal.params.usage}` };
  if (parsed.command.name !== 'policy') return { code: 2, text: usage };
  return { code: 0, text: explainPolicy(tenant, parsed.command.command, member) };
}
