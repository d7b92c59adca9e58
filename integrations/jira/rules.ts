// Automation rules: which ticket events start which Void command. A rule fires on the change that makes it true,
// never again on later edits of a ticket that already matches (an edge, not a level):
//   - with `transitionTo`: the update's changelog moves the ticket to that status, and the other conditions hold;
//   - without: the conditions hold after the event and did not hold before it (a created ticket had no "before").
import type { AutomationRule } from './automation.schema.js';
import type { TicketState } from './mapper.js';

export type IssueEvent = 'created' | 'updated';

export interface RuleInput {
  readonly event: IssueEvent;
  readonly issueKey: string;
  readonly after: TicketState;
  /** For updates: the state before the change (same as `after` when the change touched nothing rules look at). */
  readonly before?: TicketState | undefined;
  /** For updates that were transitions: the status moved to. */
  readonly transitionedTo?: string | undefined;
  /** The tenant's bound projects (empty: any). */
  readonly tenantProjects: readonly string[];
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const hasAll = (have: readonly string[], want: readonly string[]) => want.every((w) => have.some((h) => same(h, w)));

/** Labels, components and issue types all hold for this state. */
function conditionsHold(rule: AutomationRule, state: TicketState): boolean {
  const t = rule.trigger;
  if (!hasAll(state.labels, t.labels)) return false;
  if (!hasAll(state.components, t.components)) return false;
  if (t.issueTypes.length && !t.issueTypes.some((type) => same(type, state.issueType))) return false;
  return true;
}

function inScope(rule: AutomationRule, input: RuleInput): boolean {
  const projects = rule.trigger.projects.length ? rule.trigger.projects : input.tenantProjects;
  return rule.trigger.events.includes(input.event) && (projects.length === 0 || projects.includes(input.after.project));
}

export function ruleFires(rule: AutomationRule, input: RuleInput): boolean {
  if (!inScope(rule, input) || !conditionsHold(rule, input.after)) return false;
  const target = rule.trigger.transitionTo;
  if (target)
    return input.event === 'updated' && input.transitionedTo !== undefined && same(input.transitionedTo, target);
  if (input.event === 'created') return true;
  return input.before !== undefined && !conditionsHold(rule, input.before);
}

/** The command text a rule runs, exactly as a person would type it. */
export function commandFor(rule: AutomationRule, issueKey: string): string {
  return rule.action.type === 'implement' ? `implement ${issueKey} in ${rule.action.repo}` : `triage ${issueKey}`;
}

export function firedRules(
  rules: readonly AutomationRule[],
  input: RuleInput,
): Array<{ rule: AutomationRule; text: string }> {
  return rules.filter((r) => ruleFires(r, input)).map((rule) => ({ rule, text: commandFor(rule, input.issueKey) }));
}
