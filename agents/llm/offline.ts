// The offline rules engine: the last fallback, and the default when no model is configured. It answers from
// QualityAgent's findings and simple extraction, and every answer says plainly that no model was used.
import type { TicketInfo } from '../../bot/core/ticket.port.js';
import type { ImplementAnswer, ReviewAnswer, TriageAnswer } from '../code/schemas.js';
import { isBlocking, type Finding } from '../quality/types.js';

export const NO_MODEL_NOTICE =
  "No model was used: this answer comes from Void's offline rules engine (deterministic checks only).";

export function offlineReview(findings: readonly Finding[]): ReviewAnswer {
  const serious = findings.filter(isBlocking).length;
  const summary = findings.length
    ? `${findings.length} finding(s) from the deterministic checks, ${serious} of them critical or high.`
    : 'The deterministic checks found nothing to report. A person should still read the change.';
  return { summary: `${summary}\n${NO_MODEL_NOTICE}`, verdict: serious ? 'request_changes' : 'comment', findings: [] };
}

const TYPE_WORDS: ReadonlyArray<readonly [TriageAnswer['type'], RegExp]> = [
  ['incident', /\b(outage|down|incident|sev[ -]?[12]|production is down)\b/i],
  ['bug', /\b(bug|error|exception|crash|fails?|broken|regression|stack ?trace|does not work|doesn't work)\b/i],
  ['question', /\b(how (do|can|to)|question|\?\s*$)/i],
  ['feature', /\b(add|support|feature|allow|new|would like|request)\b/i],
];

export function offlineTriage(ticket: TicketInfo): TriageAnswer {
  const text = `${ticket.summary}\n${ticket.description}`;
  const type = TYPE_WORDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'task';
  const priority: TriageAnswer['priority'] =
    type === 'incident' || /\b(urgent|asap|blocker|critical|security)\b/i.test(text)
      ? 'high'
      : type === 'bug'
        ? 'medium'
        : 'low';
  const labels = [
    type === 'incident' ? 'incident' : type,
    ...(/\bsecurity|vulnerab|cve-\d/i.test(text) ? ['security'] : []),
  ];
  return {
    type,
    priority,
    labels,
    summary: `Classified as ${type}, priority ${priority}, from keywords in the ticket.\n${NO_MODEL_NOTICE}`,
  };
}

/** Without a model Void writes no code: it proposes the plan as a document for a person to implement. */
export function offlineImplement(ticket: TicketInfo): ImplementAnswer {
  const criteria = ticket.description
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^([-*•]|\d+[.)]|AC\b|Given|When|Then)/i.test(l))
    .slice(0, 15);
  const plan = [
    `Implement ${ticket.key}: ${ticket.summary}`,
    ...criteria.map((c) => `Meet: ${c.replace(/^([-*•]|\d+[.)])\s*/, '')}`),
    'Add tests that cover each point above.',
  ];
  const content = [
    `# ${ticket.key}: ${ticket.summary}`,
    '',
    `> ${NO_MODEL_NOTICE} No code was generated.`,
    '',
    '## Plan',
    '',
    ...plan.map((p) => `- [ ] ${p}`),
    '',
    `Ticket: ${ticket.url}`,
    '',
  ].join('\n');
  return {
    title: `${ticket.key}: ${ticket.summary}`.slice(0, 120),
    plan,
    files: [{ path: `docs/void-plans/${ticket.key}.md`, content }],
  };
}
