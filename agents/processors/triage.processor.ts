// `triage`: classify a ticket (type, priority, labels), point at similar open tickets, and say so on the ticket.
import type { TicketInfo } from '../../bot/core/ticket.port.js';
import type { Processor } from '../worker.js';
import { triageAnswerSchema, type TriageAnswer } from '../code/schemas.js';
import { NO_MODEL_NOTICE, offlineTriage } from '../llm/offline.js';
import { linksIn, sanitiseValue } from '../llm/sanitise.js';
import { WorkflowRun } from '../workflow/checkpoints.js';
import { callMeta, requireTickets, withBudgetGuard, type AgentDeps } from './deps.js';

const INSTRUCTIONS =
  'Triage the ticket in the data: its type, priority, up to five lower-case labels, and a short summary for the team.';

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 3),
  );
}

/** Open tickets whose summaries share most words with this one (Jaccard similarity). */
export function similarTickets(ticket: TicketInfo, open: readonly TicketInfo[], threshold = 0.4): TicketInfo[] {
  const mine = words(ticket.summary);
  return open
    .filter((t) => t.key !== ticket.key)
    .map((t) => {
      const theirs = words(t.summary);
      const shared = [...mine].filter((w) => theirs.has(w)).length;
      return { t, score: shared / Math.max(1, new Set([...mine, ...theirs]).size) };
    })
    .filter((s) => s.score >= threshold)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((s) => s.t);
}

export function triageProcessor(deps: AgentDeps): Processor {
  return withBudgetGuard(async (ctx) => {
    const command = ctx.data.command;
    if (command.name !== 'triage') throw new Error('triage processor got another command');
    const tickets = requireTickets(deps.ports);
    const { tenant } = ctx;
    const run = new WorkflowRun(deps.redis, deps.prefix, tenant.id, ctx.jobId, 3, (step, f) => ctx.progress(step, f));
    const ticket = await tickets.getTicket(tenant.id, command.ticket);
    const triage = await run.step(1, 'classify', async (): Promise<TriageAnswer & { model?: string }> => {
      const data = [
        { label: 'ticket', text: `${ticket.key}: ${ticket.summary}\nType: ${ticket.type}\n\n${ticket.description}` },
      ];
      const answer = await deps.router.ask(
        tenant,
        { task: 'triage', instructions: INSTRUCTIONS, data, schema: triageAnswerSchema, schemaName: 'triage' },
        callMeta(ctx),
      );
      if (answer.source === 'offline') return offlineTriage(ticket);
      return { ...sanitiseValue(answer.value, linksIn(data[0]?.text ?? '')), model: answer.provider };
    });
    const projectKey = ticket.key.split('-')[0] ?? '';
    const similar = similarTickets(ticket, await tickets.searchOpen(tenant.id, projectKey, 50).catch(() => []));
    await run.step(2, 'labels', () => tickets.addLabels(tenant.id, ticket.key, triage.labels));
    const body = [
      `Void triage: ${triage.type}, priority ${triage.priority}, suggested ` +
        `labels ${triage.labels.join(', ') || 'none'}.`,
      triage.summary,
      similar.length ? `Possibly related: ${similar.map((t) => `${t.key} (${t.summary})`).join('; ')}` : '',
      triage.model
        ? `Classified with model ${triage.model}.`
        : triage.summary.includes(NO_MODEL_NOTICE)
          ? ''
          : NO_MODEL_NOTICE,
    ].filter(Boolean);
    const posted = await run.step(3, 'comment', () =>
      tickets.upsertComment(tenant.id, ticket.key, body.join('\n\n'), `void:triage:${ctx.jobId}`),
    );
    const related = similar.length ? `; possibly related: ${similar.map((t) => t.key).join(', ')}` : '';
    const offline = triage.model ? '' : ' (no model used)';
    return {
      summary: `${ticket.key}: ${triage.type}, priority ${triage.priority}${related}${offline}`,
      link: posted.url,
    };
  });
}
