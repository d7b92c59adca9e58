// Automation rules fire on the change that makes them true, never on later edits; the tenants-file section is
// validated with precise messages.
import { describe, expect, it } from 'vitest';
import { parseTenantsYaml } from '../../bot/config/load.js';
import { automationOf, automationSchema, type AutomationRule } from '../../integrations/jira/automation.schema.js';
import { previousState, transitionedTo, type TicketState } from '../../integrations/jira/mapper.js';
import { firedRules, ruleFires, type RuleInput } from '../../integrations/jira/rules.js';

const settings = automationSchema.parse({
  rules: [
    { name: 'triage', trigger: { labels: 'void:triage' }, action: { type: 'triage' } },
    {
      name: 'implement',
      trigger: { events: ['updated'], labels: ['void:implement'], transitionTo: 'In Progress' },
      action: { type: 'implement', repo: 'acme/payments' },
    },
    {
      name: 'bugs-in-checkout',
      trigger: { events: 'created', projects: 'OPS', issueTypes: 'Bug', components: ['checkout'] },
      action: { type: 'triage' },
    },
  ],
});
const rules = settings.rules as AutomationRule[];
const [triage, implement, bugs] = rules as [AutomationRule, AutomationRule, AutomationRule];

const state = (over: Partial<TicketState> = {}): TicketState => ({
  project: 'PAY',
  issueType: 'Story',
  status: 'To Do',
  labels: [],
  components: [],
  ...over,
});
const input = (over: Partial<RuleInput>): RuleInput => ({
  event: 'updated',
  issueKey: 'PAY-1',
  after: state(),
  tenantProjects: ['PAY', 'OPS'],
  ...over,
});

describe('ruleFires', () => {
  it('label rule: on creation with the label, on the update that adds it; not on other updates or without it', () => {
    const labelled = state({ labels: ['void:triage'] });
    expect(ruleFires(triage, input({ event: 'created', after: labelled }))).toBe(true);
    expect(ruleFires(triage, input({ after: labelled, before: state() }))).toBe(true);
    expect(ruleFires(triage, input({ after: labelled, before: labelled }))).toBe(false);
    expect(ruleFires(triage, input({ event: 'created', after: state({ labels: ['void:triag'] }) }))).toBe(false);
  });

  it('transition rule: only on the transition to its status, with its label, on an update', () => {
    const after = state({ labels: ['void:implement'], status: 'In Progress' });
    expect(
      ruleFires(
        implement,
        input({ after, before: state({ labels: ['void:implement'] }), transitionedTo: 'in progress' }),
      ),
    ).toBe(true);
    expect(
      ruleFires(implement, input({ after: state({ status: 'In Progress' }), transitionedTo: 'In Progress' })),
    ).toBe(false);
    expect(ruleFires(implement, input({ after, before: state({ status: 'In Progress' }) }))).toBe(false);
    expect(ruleFires(implement, input({ after: { ...after, status: 'Done' }, transitionedTo: 'Done' }))).toBe(false);
    expect(ruleFires(implement, input({ event: 'created', after }))).toBe(false);
  });

  it("type, component and project conditions; the tenant's projects bound a rule without its own", () => {
    const bug = state({ project: 'OPS', issueType: 'bug', components: ['Checkout'] });
    expect(ruleFires(bugs, input({ event: 'created', after: bug }))).toBe(true);
    expect(ruleFires(bugs, input({ event: 'created', after: { ...bug, project: 'PAY' } }))).toBe(false);
    expect(ruleFires(bugs, input({ event: 'created', after: { ...bug, components: [] } }))).toBe(false);
    expect(
      ruleFires(triage, input({ event: 'created', after: state({ project: 'HR', labels: ['void:triage'] }) })),
    ).toBe(false);
  });

  it('names the command exactly as a person would type it', () => {
    const after = state({ labels: ['void:implement', 'void:triage'], status: 'In Progress' });
    expect(
      firedRules(
        rules,
        input({
          issueKey: 'PAY-9',
          after,
          before: state({ labels: ['void:implement'] }),
          transitionedTo: 'In Progress',
        }),
      ).map((f) => f.text),
    ).toEqual(['triage PAY-9', 'implement PAY-9 in acme/payments']);
  });
});

describe('changelog → previous state', () => {
  it('undoes label, component, type and status changes', () => {
    const after = state({ labels: ['a', 'void:triage'], components: ['api'], issueType: 'Bug', status: 'In Progress' });
    const items = [
      { field: 'labels', fromString: 'a', toString: 'a void:triage' },
      { field: 'Component', fromString: null, toString: 'api' },
      { field: 'issuetype', fromString: 'Story', toString: 'Bug' },
      { field: 'status', fromString: 'To Do', toString: 'In Progress' },
    ];
    expect(previousState(after, items)).toEqual(
      state({ labels: ['a'], components: [], issueType: 'Story', status: 'To Do' }),
    );
    expect(transitionedTo(items)).toBe('In Progress');
    expect(transitionedTo([{ field: 'summary', fromString: 'x', toString: 'y' }])).toBeUndefined();
  });
});

describe('the automation section of the tenants file', () => {
  const yaml = (automation: string) =>
    `version: 1\ntenants:\n  - id: acme\n    name: Acme\n    automation:\n${automation}`;

  it('defaults everything for a tenant without the section', () => {
    const [tenant] = parseTenantsYaml('version: 1\ntenants:\n  - { id: acme, name: Acme }\n', 'void.yaml');
    expect(automationOf(tenant!)).toEqual({
      botAccountIds: [],
      rules: [],
      pullRequests: { comment: ['opened', 'review_approved', 'merged', 'closed'], transitions: {} },
      triage: { setLabels: false },
    });
  });

  it('reports every problem with its path and line', () => {
    const bad = yaml(
      [
        '      rules:',
        '        - name: Bad Name',
        '          trigger: { events: [updated] }',
        '          action: { type: deploy }',
        '        - name: t2',
        '          trigger: { events: [created], transitionTo: Done }',
        '          action: { type: implement, repo: not-a-repo }',
        '      pullRequests: { transitions: { pushed: Done } }',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      parseTenantsYaml(bad, 'void.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('void.yaml:7: tenants[0].automation.rules[0].name: expected a lower-case rule name');
    expect(message).toContain('tenants[0].automation.rules[0].trigger: a trigger needs at least one condition');
    expect(message).toContain('tenants[0].automation.rules[0].action.type');
    expect(message).toContain(
      'tenants[0].automation.rules[1].trigger.transitionTo: a transition only happens on "updated" events',
    );
    expect(message).toContain('tenants[0].automation.rules[1].action.repo: expected a repository like acme/payments');
    expect(message).toContain('tenants[0].automation.pullRequests.transitions');
  });
});
