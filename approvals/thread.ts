// What the request's thread is told: its card (updated in place under its key) and plain notes. A chat outage
// costs the thread a message, never the step already committed.
import type { Reply, Tenant } from '../bot/core/types.js';
import { cardReply } from './card.js';
import type { ApprovalDeps } from './deps.js';
import type { ApprovalRecord } from './store.js';

export async function post(deps: ApprovalDeps, thread: ApprovalRecord['thread'], reply: Reply): Promise<void> {
  await deps.chat
    .post(thread, reply)
    .catch((err: unknown) => deps.log.warn({ err, key: reply.key }, 'could not post to the approval thread'));
}

export async function postCard(deps: ApprovalDeps, rec: ApprovalRecord, tenant: Tenant, note?: string): Promise<void> {
  await post(deps, rec.thread, cardReply(rec, tenant));
  if (note) await post(deps, rec.thread, { text: note, kind: 'answer' });
}
