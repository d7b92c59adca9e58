// Before the ack: a request that asks Void to do something must come from a workspace bound to a tenant and from a
// person linked to one of its members. Otherwise: 403 with the refusal, the dispatcher's audit record
// (request.rejected), nothing enqueued; an unknown person in a known workspace also gets the refusal privately.
import type { TenantRegistry } from '../core/registry.js';
import type { Dispatcher } from '../dispatcher.js';
import type { HttpResponse } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { SlackBody } from './body.js';
import { obj, str } from './fields.js';
import type { SlackConversations } from './conversations.js';
import {
  clickDeliveryId,
  decisionActionOf,
  isCommandPayload,
  originOf,
  slashDeliveryId,
  threadRef,
  workspaceIdFor,
} from './mapper.js';
import { jiraCreateSubmission } from './jira-modal.js';
import { parseRejectContext } from './views.js';

export interface PrecheckDeps {
  readonly registry: TenantRegistry;
  readonly dispatcher: () => Dispatcher;
  readonly conversations: SlackConversations;
  /** Whether Void has a bot token for the workspace (multi-workspace mode: an installation). */
  readonly installed: (teamId: string, enterpriseId?: string) => Promise<boolean>;
  readonly log: Logger;
}

/** The delivery id of a command-like payload and where its answer would go. */
export function deliveryOf(body: SlackBody): { deliveryId: string; channel: string; thread?: string | undefined } {
  if (typeof body.command === 'string')
    return { deliveryId: slashDeliveryId(str(body.trigger_id)), channel: str(body.channel_id) };
  if (body.type === 'event_callback') {
    const event = obj(body.event);
    return {
      deliveryId: str(body.event_id),
      channel: str(event.channel),
      thread: str(event.thread_ts) || str(event.ts) || undefined,
    };
  }
  if (body.type === 'view_submission') {
    const context = parseRejectContext(obj(body.view).private_metadata);
    const form = context ? undefined : jiraCreateSubmission(body);
    return {
      deliveryId: `view-${str(obj(body.view).id)}`,
      channel: context?.channel ?? form?.channel ?? '',
      thread: context?.threadTs ?? context?.messageTs,
    };
  }
  const action = decisionActionOf(body) ?? {};
  const container = obj(body.container);
  const message = obj(body.message);
  return {
    deliveryId: clickDeliveryId(body, action),
    channel: str(container.channel_id) || str(obj(body.channel).id),
    thread: str(message.thread_ts) || str(container.message_ts) || undefined,
  };
}

export function createPrecheck(deps: PrecheckDeps): (body: SlackBody) => Promise<HttpResponse | undefined> {
  return async (body) => {
    if (!isCommandPayload(body) || obj(body.event).bot_id !== undefined) return undefined;
    const origin = originOf(body);
    if (!origin)
      return {
        status: 400,
        body: { error: 'slack.bad_body', message: 'The request names no Slack workspace or user.' },
      };
    const workspaceId = workspaceIdFor(deps.registry, origin);
    const resolution = deps.registry.resolve('slack', workspaceId, origin.userId);
    if (resolution.ok) {
      if (await deps.installed(origin.teamId, origin.enterpriseId)) return undefined;
      const message =
        `Void is not installed in this Slack workspace yet, so it cannot answer here. Ask an admin ` +
        `of ${resolution.tenant.name} to install it (Void's /slack/install page).`;
      return { status: 403, body: { error: 'slack.not_installed', message } };
    }
    const { refusal } = resolution;
    const where = deliveryOf(body);
    const thread = threadRef(origin.teamId, where.channel, where.thread);
    const result = await deps.dispatcher().dispatch({
      platform: 'slack',
      workspaceId,
      platformUserId: origin.userId,
      text: '',
      thread,
      deliveryId: where.deliveryId,
    });
    deps.log.info(
      { code: refusal.code, teamId: origin.teamId },
      'Slack request from an unknown workspace or person refused',
    );
    if (refusal.code === 'identity.unknown_user' && !result.duplicate && where.channel) {
      void deps.conversations.tell(thread, origin.userId, { text: refusal.message, kind: 'refusal', private: true });
    }
    return { status: 403, body: { error: refusal.code, message: refusal.message } };
  };
}
