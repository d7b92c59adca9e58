// Neutral reply → what the console prints.
import type { Reply } from '../core/types.js';

export function renderReply(reply: Reply): string {
  const tag = reply.private ? '(only you) ' : '';
  const lines = reply.text.split('\n');
  return lines.map((line, i) => (i === 0 ? `void> ${tag}${line}` : `      ${line}`)).join('\n');
}

/** A reply that ends a job's story: the job's key is no longer awaited. */
export function isFinal(reply: Reply): boolean {
  return Boolean(reply.key?.startsWith('job:')) && (reply.kind === 'answer' || reply.kind === 'refusal');
}
