// `/void jira create` with nothing after it opens a form (a Slack modal) for the ticket: project, summary, type,
// priority and a multi-line description. The submission becomes the same `jira create … --description "…"` command
// every surface uses, dispatched as the person who submitted it, with the answer shown privately in the channel.
import { jiraCreateText, OPENS_JIRA_FORM } from '../core/jira.grammar.js';
import type { SlackBody } from './body.js';
import { obj, str } from './fields.js';

export const JIRA_CREATE_VIEW = 'void_jira_create';
export { OPENS_JIRA_FORM };

function input(
  id: string,
  label: string,
  element: Record<string, unknown>,
  optional = false,
  hint?: string,
): Record<string, unknown> {
  return {
    type: 'input',
    block_id: id,
    optional,
    label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: id, ...element },
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
  };
}

/** The modal; `channel` (private_metadata) is where the answer goes. */
export function jiraCreateModal(channel: string, projects: readonly string[]): SlackBody {
  return {
    type: 'modal',
    callback_id: JIRA_CREATE_VIEW,
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: 'New JIRA ticket' },
    submit: { type: 'plain_text', text: 'Create' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(
        'project',
        'Project key',
        { max_length: 10, ...(projects[0] ? { initial_value: projects[0] } : {}) },
        false,
        projects.length ? `One of: ${projects.join(', ')}` : undefined,
      ),
      input('summary', 'Summary', { max_length: 255 }),
      input('type', 'Type', { max_length: 40, placeholder: { type: 'plain_text', text: 'Task' } }, true),
      input('priority', 'Priority', { max_length: 40, placeholder: { type: 'plain_text', text: 'Medium' } }, true),
      input('description', 'Description', { multiline: true, max_length: 1500 }, true),
    ],
  };
}

/** The submitted form as the one `jira create` command text, and the channel the answer goes to. */
export function jiraCreateSubmission(body: SlackBody): { text: string; channel: string; viewId: string } | undefined {
  const view = obj(body.view);
  let channel = '';
  try {
    channel = str(obj(JSON.parse(str(view.private_metadata))).channel);
  } catch {
    return undefined;
  }
  const values = obj(obj(view.state).values);
  const field = (id: string) => obj(obj(values[id])[id]).value;
  const text = jiraCreateText({
    project: field('project'),
    summary: field('summary'),
    type: field('type'),
    priority: field('priority'),
    description: field('description'),
  });
  return { text, channel, viewId: str(view.id) };
}
