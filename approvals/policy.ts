// Which rule governs a command, what it requires, and the dry run that explains it (`policy explain`).
// Pure functions of the tenant and the command: no store, no queue, no side effect.
import { describeCommand, type ActionCommand } from '../bot/core/grammar.js';
import { refuse, type Refusal } from '../bot/core/outcome.js';
import type { Member, Tenant } from '../bot/core/types.js';
import { holders, policiesOf, type PolicyRule } from './policy.schema.js';
import { describeQuorum, meetableWithout } from './quorum.js';

export interface Facets {
  readonly environment?: string;
  readonly service?: string;
  readonly repository?: string;
  readonly project?: string;
}

const FACETS = ['environment', 'service', 'repository', 'project'] as const;

export function facetsOf(command: ActionCommand): Facets {
  switch (command.name) {
    case 'deploy':
      return { service: command.service, environment: command.environment };
    case 'review':
      return 'ref' in command ? { repository: 'local' } : { repository: `${command.repo.owner}/${command.repo.name}` };
    case 'implement':
      return {
        project: command.ticket.split('-')[0],
        ...(command.repo ? { repository: `${command.repo.owner}/${command.repo.name}` } : {}),
      };
    case 'triage':
      return { project: command.ticket.split('-')[0] };
    case 'status':
      return {};
  }
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value.toLowerCase());
}

/** Why a rule does not match, or undefined when it does. */
export function mismatch(rule: PolicyRule, command: ActionCommand): string | undefined {
  if (!rule.action.includes('*') && !rule.action.includes(command.name)) return `it is for ${rule.action.join(', ')}`;
  const facets = facetsOf(command);
  for (const facet of FACETS) {
    const patterns = rule[facet];
    if (!patterns) continue;
    const value = facets[facet];
    if (value === undefined) return `it needs a ${facet}, and "${command.name}" has none`;
    if (!patterns.some((p) => globMatches(p, value)))
      return `${facet} "${value}" does not match ${patterns.map((p) => `"${p}"`).join(' or ')}`;
  }
  return undefined;
}

export function matchRule(tenant: Tenant, command: ActionCommand): { rule: PolicyRule; index: number } | undefined {
  const rules = policiesOf(tenant).rules;
  const index = rules.findIndex((r) => mismatch(r, command) === undefined);
  const rule = rules[index];
  return rule ? { rule, index } : undefined;
}

export type PolicyDecision =
  { kind: 'run'; rule?: PolicyRule } | { kind: 'deny'; refusal: Refusal } | { kind: 'approval'; rule: PolicyRule };

export function evaluate(
  tenant: Tenant,
  command: ActionCommand,
  requester: Pick<Member, 'id' | 'name'>,
): PolicyDecision {
  const match = matchRule(tenant, command);
  if (!match) {
    if (policiesOf(tenant).default === 'allow') return { kind: 'run' };
    return { kind: 'deny', refusal: noRule(tenant, command) };
  }
  const { rule } = match;
  if (rule.quorum.length === 0) return { kind: 'run', rule };
  if (!meetableWithout(rule.quorum, tenant.members, requester.id)) {
    return {
      kind: 'deny',
      refusal: refuse('approval.quorum_unmeetable', {
        rule: rule.name,
        quorum: describeQuorum(rule.quorum),
        tenant: tenant.name,
        holders: holders(rule.quorum, tenant.members),
      }),
    };
  }
  return { kind: 'approval', rule };
}

function noRule(tenant: Tenant, command: ActionCommand): Refusal {
  const facets = Object.entries(facetsOf(command)).map(([k, v]) => `${k} ${v}`);
  return refuse('approval.no_rule', {
    tenant: tenant.name,
    command: describeCommand(command),
    action: command.name,
    facets,
  });
}

/** Members who could approve under a rule, requester excluded, by role. */
export function eligibleApprovers(tenant: Tenant, rule: PolicyRule, requesterId: string): Member[] {
  const roles = new Set(rule.quorum.flatMap((c) => c.roles));
  return tenant.members.filter((m) => m.id !== requesterId && m.roles.some((r) => roles.has(r)));
}

export function describeTtl(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The dry run: which rule matches and why, who could approve, whether the quorum can be met. No side effect. */
export function explainPolicy(tenant: Tenant, asked: ActionCommand, requester: Member): string {
  const rules = policiesOf(tenant).rules;
  const lines = [
    `Policy for "${describeCommand(asked)}" in ${tenant.name}, asked by ${requester.name} ` +
      `(${requester.id}: ${requester.roles.join(', ')}):`,
  ];
  let command = asked;
  if (asked.name === 'implement' && !asked.repo) {
    const project = asked.ticket.split('-')[0] ?? '';
    const mapped = policiesOf(tenant).repositories?.[project];
    if (!mapped) {
      lines.push(
        `⚠️ No repository: "implement ${asked.ticket}" names none and policies.repositories maps none ` +
          `to ${project}, so it would be refused before any approval. Say "implement ${asked.ticket} in ` +
          `<owner>/<repo>".`,
      );
      return finish(lines);
    }
    const [owner = '', name = ''] = mapped.split('/');
    command = { ...asked, repo: { owner, name } };
    lines.push(`Repository: ${mapped} (policies.repositories maps project ${project} to it).`);
  }
  const match = matchRule(tenant, command);
  for (const [i, rule] of rules.entries()) {
    if (match && i >= match.index) break;
    lines.push(`  - rule "${rule.name}" does not apply: ${mismatch(rule, command)}`);
  }
  if (!match) {
    const decision = evaluate(tenant, command, requester);
    lines.push(
      decision.kind === 'run'
        ? `No rule matches; the tenant's default is allow: it would run without approval.`
        : `No rule matches. ${decision.kind === 'deny' ? decision.refusal.message : ''}`,
    );
    return finish(lines);
  }
  const { rule, index } = match;
  lines.push(
    `Rule "${rule.name}" (policies.rules[${index}]) applies${rule.description ? `: ${rule.description}` : ''}.`,
  );
  if (rule.quorum.length === 0) {
    lines.push('It needs no approval: the job would be queued at once.');
    return finish(lines);
  }
  lines.push(
    `It needs ${describeQuorum(rule.quorum)} (distinct people, never the requester); a request ` +
      `lives ${describeTtl(rule.ttl)}; ` +
      (rule.voidOnTargetChange ? 'approvals are void if the target changes' : 'approvals survive target changes') +
      `; may cancel: ${rule.cancel.join(', ')}.`,
  );
  lines.push(...bindingLines(rule, command));
  const approvers = eligibleApprovers(tenant, rule, requester.id);
  lines.push(`Could approve: ${approvers.map((m) => `${m.name} (${m.roles.join(', ')})`).join('; ') || 'nobody'}.`);
  if (meetableWithout(rule.quorum, tenant.members, requester.id))
    lines.push('The quorum can be met: the request would wait for these approvals.');
  else
    lines.push(
      `⚠️ The quorum can never be met for ${requester.name}: without the requester, ${holders(
        rule.quorum,
        tenant.members.filter((m) => m.id !== requester.id),
      )}. The request would be refused.`,
    );
  return finish(lines);
}

/** What an approval under this rule would be bound to, and the independence and move settings. */
function bindingLines(rule: PolicyRule, command: ActionCommand): string[] {
  const lines: string[] = [];
  switch (command.name) {
    case 'deploy': {
      const moved = rule.onTargetMoved ?? (/^prod/i.test(command.environment) ? 'void' : 'keep-pinned');
      lines.push(
        `Bound to: the repository, the environment and the commit ${command.ref ?? 'the default branch'} points ` +
          `at when requested (plus the parameters); that commit is what deploys.`,
      );
      lines.push(
        'If the ref moves before the quorum is met: ' +
          (moved === 'void'
            ? 'the request is void (onTargetMoved: void)'
            : 'the pinned commit still deploys (onTargetMoved: keep-pinned)') +
          (rule.onTargetMoved ? '' : ', the default for this environment') +
          '.',
      );
      lines.push(
        rule.waiveStatusChecks
          ? '⚠️ Required status checks are waived (waiveStatusChecks: true).'
          : "The repository's required status checks must pass.",
      );
      break;
    }
    case 'review':
      lines.push("Bound to: the pull request's head commit; a push voids the request.");
      break;
    case 'implement':
      lines.push(
        `Bound to: ticket ${command.ticket} (summary, description, acceptance criteria) ` +
          `and ${command.repo ? `${command.repo.owner}/${command.repo.name}` : 'the repository'}; ` +
          `editing the ticket voids the request.`,
      );
      lines.push(
        `The agent may write only under: ${(rule.writePaths ?? ['the default source and test folders']).join(', ')}; ` +
          `never CI or build configuration.`,
      );
      break;
    default:
      break;
  }
  if (command.name === 'deploy' || command.name === 'review') {
    lines.push(
      rule.authorsMayApprove
        ? 'Authors of the change may approve it (authorsMayApprove: true).'
        : 'Authors of the change may not approve it (authorsMayApprove: false), matched through their linked ' +
            'GitHub accounts and e-mail addresses.',
    );
  }
  return lines;
}

function finish(lines: string[]): string {
  return [...lines, 'Dry run: nothing was requested, queued or recorded as a decision.'].join('\n');
}
