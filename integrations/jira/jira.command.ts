// `jira create <PROJECT> "<summary>" [type] [priority] [--description "<text>"]` and `jira show <KEY>` from any chat
// surface. Only projects bound to the person's own tenant are reachable, with that tenant's JIRA credentials.
import type { Command } from '../../bot/core/grammar.js';
import type { Reply } from '../../bot/core/types.js';
import { answer, auditActor, refusal, type CommandContext } from '../../bot/core/commands.js';
import type { JiraTicketClient } from './client.js';

type JiraCommand = Extract<Command, { name: 'jira' }>;

const DEFAULT_TYPE = 'Task';

export function jiraCommandRunner(tickets: JiraTicketClient) {
  return async (ctx: CommandContext, command: JiraCommand): Promise<Reply[]> => {
    const jira = ctx.tenant.bindings.jira;
    if (!jira || !tickets.configured(ctx.tenant.id)) {
      return [refusal(`${ctx.tenant.name} has no JIRA site with credentials configured in this deployment.`)];
    }
    const project = command.sub === 'create' ? command.project : command.key.slice(0, command.key.lastIndexOf('-'));
    if (jira.projectKeys.length && !jira.projectKeys.includes(project)) {
      return [refusal(`${project} is not one of ${ctx.tenant.name}'s JIRA projects (${jira.projectKeys.join(', ')}).`)];
    }
    try {
      return command.sub === 'show'
        ? await show(ctx, tickets, command.key)
        : await create(ctx, tickets, command as Extract<JiraCommand, { sub: 'create' }>);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'jira.api_error' || code === 'jira.not_configured') return [refusal((error as Error).message)];
      throw error;
    }
  };
}

async function show(ctx: CommandContext, tickets: JiraTicketClient, key: string): Promise<Reply[]> {
  const t = await tickets.getTicket(ctx.tenant.id, key);
  const facts = [
    t.type,
    t.status,
    t.priority ? `priority ${t.priority}` : undefined,
    t.assignee ? `assigned to ${t.assignee}` : 'unassigned',
  ]
    .filter(Boolean)
    .join(' · ');
  const labels = t.labels.length ? `\nLabels: ${t.labels.join(', ')}` : '';
  return [answer(`${t.key}: ${t.summary}\n${facts}${labels}\n${t.url}`)];
}

async function create(
  ctx: CommandContext,
  tickets: JiraTicketClient,
  command: Extract<JiraCommand, { sub: 'create' }>,
): Promise<Reply[]> {
  const type = command.type ?? DEFAULT_TYPE;
  const base = { tenantId: ctx.tenant.id, actor: auditActor(ctx), correlationId: ctx.correlationId };
  // The record comes before the side effect; a failed append means no ticket is created.
  await ctx.services.audit.append({
    ...base,
    action: 'jira.ticket_create_requested',
    target: command.project,
    outcome: 'pending',
    details: { type, priority: command.priority ?? null, description: Boolean(command.description) },
  });
  // What the person wrote comes first; the provenance line last. The text itself stays out of the audit record.
  const provenance = `Created from ${ctx.actor.platform} by ${ctx.actor.name} through Void.`;
  const description = command.description ? `${command.description}\n\n${provenance}` : provenance;
  let created: { key: string; url: string };
  try {
    created = await tickets.createTicket(ctx.tenant.id, {
      projectKey: command.project,
      summary: command.summary,
      description,
      type,
      priority: command.priority,
    });
  } catch (error) {
    await ctx.services.audit.append({
      ...base,
      action: 'jira.ticket_created',
      target: command.project,
      outcome: 'failure',
      details: { code: (error as { code?: string }).code ?? 'error' },
    });
    throw error;
  }
  await ctx.services.audit.append({
    ...base,
    action: 'jira.ticket_created',
    target: created.key,
    outcome: 'success',
    details: { type },
  });
  return [answer(`Created ${created.key} (${type}${command.priority ? `, ${command.priority}` : ''}): ${created.url}`)];
}
