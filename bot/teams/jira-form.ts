// `@Void jira create` with nothing after it answers with a ticket form (an Adaptive Card with inputs and one
// Action.Execute); pressing Create sends the inputs back as an `adaptiveCard/action` invoke, which becomes the same
// `jira create … --description "…"` command as typed, dispatched as the person who pressed it. The card is then
// replaced with the answer (the new ticket's link, or why not).
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { jiraCreateText } from '../core/jira.grammar.js';
import type { Dispatcher } from '../dispatcher.js';
import { aadTenantOf, ADAPTIVE_CARD, type TeamsActivity } from './mapper.js';

export const JIRA_CREATE_VERB = 'void.jira_create';

const input = (id: string, label: string, extra: Record<string, unknown> = {}) => ({
  type: 'Input.Text',
  id,
  label,
  ...extra,
});

export function jiraFormCard(projects: readonly string[]): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: 'New JIRA ticket' },
      input('project', 'Project key', {
        isRequired: true,
        maxLength: 10,
        errorMessage: 'A project key, like PAY',
        ...(projects[0] ? { value: projects[0] } : {}),
      }),
      input('summary', 'Summary', { isRequired: true, maxLength: 255, errorMessage: 'A summary' }),
      input('type', 'Type', { placeholder: 'Task', maxLength: 40 }),
      input('priority', 'Priority', { placeholder: 'Medium', maxLength: 40 }),
      input('description', 'Description', { isMultiline: true, maxLength: 1500 }),
    ],
    actions: [{ type: 'Action.Execute', title: 'Create', verb: JIRA_CREATE_VERB, data: {} }],
  };
}

export function isJiraFormSubmit(value: AdaptiveCardInvokeValue): boolean {
  return value?.action?.type === 'Action.Execute' && value.action.verb === JIRA_CREATE_VERB;
}

const textCard = (text: string): AdaptiveCardInvokeResponse => ({
  statusCode: 200,
  type: ADAPTIVE_CARD,
  value: {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', wrap: true, text }],
  },
});

/** The form's Create: one dispatch per invoke activity id (a retried invoke is a duplicate, nothing twice). */
export async function submitJiraForm(
  context: TurnContext,
  value: AdaptiveCardInvokeValue,
  dispatcher: Dispatcher,
): Promise<AdaptiveCardInvokeResponse> {
  const activity = context.activity as unknown as TeamsActivity & {
    id?: string;
    conversation: { id: string };
    replyToId?: string;
  };
  const data = (value.action.data ?? {}) as Record<string, unknown>;
  const result = await dispatcher.dispatch({
    platform: 'teams',
    workspaceId: aadTenantOf(activity) ?? '',
    platformUserId: activity.from?.aadObjectId ?? '',
    text: jiraCreateText(data),
    thread: { platform: 'teams', channel: activity.conversation.id, thread: activity.replyToId },
    deliveryId: `invoke:${activity.id ?? ''}`,
  });
  if (result.duplicate) return textCard('This form was already submitted.');
  return textCard(result.replies.map((r) => r.text).join('\n\n') || 'Nothing was done.');
}
