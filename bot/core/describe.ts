// How a parsed command is said back: one short canonical line for audit records, job titles and approval prompts.
// Apart from the grammar (grammar.ts), which reads what people type; free text (a JIRA summary) is never repeated.
import type { Command } from './command.js';

/** A short canonical rendering of a command, for audit records, job titles and approval prompts. */
export function describeCommand(command: Command): string {
  switch (command.name) {
    case 'review':
      return 'ref' in command
        ? `review ${command.ref}`
        : `review ${command.repo.owner}/${command.repo.name}#${command.number}`;
    case 'implement':
      return `implement ${command.ticket}${command.repo ? ` in ${command.repo.owner}/${command.repo.name}` : ''}`;
    case 'triage':
      return `triage ${command.ticket}`;
    case 'deploy':
      return `deploy ${command.service} to ${command.environment}${command.ref ? ` at ${command.ref}` : ''}`;
    case 'status':
      return command.id ? `status ${command.id}` : 'status';
    case 'approve':
    case 'cancel':
      return `${command.name} ${command.id}`;
    case 'reject':
      return `reject ${command.id}`;
    case 'audit':
      return command.sub === 'export' && command.since ? `audit export since ${command.since}` : `audit ${command.sub}`;
    case 'help':
      return command.topic ? `help ${command.topic}` : 'help';
    case 'whoami':
      return 'whoami';
    case 'login':
      return 'login';
    case 'policy':
      return `policy explain ${describeCommand(command.command)}${command.as ? ` --as ${command.as}` : ''}`;
    case 'breakglass':
      return `breakglass ${command.id}`;
    case 'ack':
      return command.id ? `ack ${command.id}` : 'ack';
    case 'notify':
      return command.sub === 'show'
        ? 'notify'
        : command.sub === 'channel'
          ? `notify ${command.channel}`
          : `notify quiet ${command.hours ?? 'off'}${command.timezone ? ` ${command.timezone}` : ''}`;
    case 'jira':
      // The summary is free text typed by a person: it stays out of audit targets and job titles.
      return command.sub === 'show'
        ? `jira show ${command.key}`
        : ['jira create', command.project, command.type, command.priority].filter(Boolean).join(' ');
  }
}
