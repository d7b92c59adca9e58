// Slack views (modals and the App Home tab) as plain Block Kit data.
import type { JobSummary } from '../../agents/queue.js';
import type { ApprovalCard } from '../core/approvals.port.js';
import type { SlackBody } from './body.js';
import { escapeMrkdwn, REJECT_VIEW, slackDate } from './mapper.js';

/** What the Reject modal carries back in view_submission (private_metadata). */
export interface RejectContext {
  readonly approvalId: string;
  readonly channel: string;
  readonly messageTs: string;
  readonly threadTs?: string | undefined;
}

export function rejectModal(context: RejectContext): SlackBody {
  return {
    type: 'modal',
    callback_id: REJECT_VIEW,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            `Rejecting request \`${escapeMrkdwn(context.approvalId)}\`. The reason is shown in the thread and kept ` +
            `in the audit trail.`,
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: 3, max_length: 500 },
      },
    ],
  };
}

export function parseRejectContext(text: unknown): RejectContext | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as Partial<RejectContext>;
    if (
      typeof value.approvalId !== 'string' ||
      typeof value.channel !== 'string' ||
      typeof value.messageTs !== 'string'
    )
      return undefined;
    return {
      approvalId: value.approvalId,
      channel: value.channel,
      messageTs: value.messageTs,
      threadTs: typeof value.threadTs === 'string' ? value.threadTs : undefined,
    };
  } catch {
    return undefined;
  }
}

function approvalLine(card: ApprovalCard): string {
  return (
    `• *${escapeMrkdwn(card.summary)}* (\`${card.id}\`), requested by ${escapeMrkdwn(card.requester.name)}; ` +
    `still needed: ${escapeMrkdwn(card.remaining || 'nothing')}; expires ${slackDate(card.expiresAt)}`
  );
}

function jobLine(job: JobSummary): string {
  return `• \`${job.id}\` ${escapeMrkdwn(job.kind)}: ${escapeMrkdwn(job.state)} (${escapeMrkdwn(job.createdAt)})`;
}

export function homeView(input: {
  name: string;
  tenant: string;
  pending: readonly ApprovalCard[];
  jobs: readonly JobSummary[];
  approvalsEnabled: boolean;
}): SlackBody {
  const pending = !input.approvalsEnabled
    ? 'Approvals are not enabled in this deployment.'
    : input.pending.length
      ? input.pending.map(approvalLine).join('\n')
      : 'Nothing is waiting for you.';
  const jobs = input.jobs.length ? input.jobs.map(jobLine).join('\n') : 'You have no recent jobs.';
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Void' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            `Hello ${escapeMrkdwn(input.name)} (${escapeMrkdwn(input.tenant)}). Type \`/void help\` anywhere to ` +
            `see what Void can do.`,
        },
      },
      { type: 'header', text: { type: 'plain_text', text: 'Waiting for your approval' } },
      { type: 'section', block_id: 'pending', text: { type: 'mrkdwn', text: pending } },
      { type: 'header', text: { type: 'plain_text', text: 'Your recent jobs' } },
      { type: 'section', block_id: 'jobs', text: { type: 'mrkdwn', text: jobs } },
    ],
  };
}

export function refusalHomeView(message: string): SlackBody {
  return {
    type: 'home',
    blocks: [{ type: 'section', block_id: 'refusal', text: { type: 'mrkdwn', text: escapeMrkdwn(message) } }],
  };
}
