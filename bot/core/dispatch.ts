// The dispatcher as adapters see it: hand over a verified inbound command, get the replies to render. The one
// implementation is the application's (bot/dispatcher.ts); integrations reach it through this contract.
import { hash } from 'node:crypto';
import type { ParseContext } from './grammar.js';
import type { InboundCommand, Reply } from './types.js';

export interface DispatchResult {
  readonly replies: Reply[];
  /** The delivery was seen before: nothing was done (platform retry, redelivery, double click). */
  readonly duplicate: boolean;
  readonly tenantId?: string;
  readonly correlationId: string;
  /** Set when the person or workspace is unknown: adapters may answer differently where replies are public. */
  readonly refusedIdentity?: 'identity.unknown_workspace' | 'identity.unknown_user';
}

export interface DispatchOptions {
  /** The answer went back in the ack (answerNow): record the command, count it, run nothing, reply nothing. */
  readonly answered?: boolean;
  /**
   * Answer a command that needs no job (help, whoami, status other than of an approval, policy explain) at once,
   * after its `command.received` record and within the limits: the replies are the answer itself, never a job and
   * its "queued" message. For adapters that answer with what they send while the platform waits (Teams' turn, one
   * JIRA or GitHub comment).
   */
  readonly answerAtOnce?: boolean;
}

export interface CommandDispatcher {
  /** Parses, authorises and runs one command; a delivery id seen before is a duplicate and does nothing. */
  dispatch(input: InboundCommand, parseContext?: ParseContext, options?: DispatchOptions): Promise<DispatchResult>;
}

/** The correlation id of one delivery: the same on every record and reply that delivery causes. (One-shot hash: no
 *  Hash object per command.) */
export function correlationIdFor(platform: string, deliveryId: string): string {
  return `c-${hash('sha256', `${platform}\u0000${deliveryId}`, 'hex').slice(0, 20)}`;
}
