// CodeAgent, implement: from a ticket and the repository's conventions, a change set (files and a plan) that
// GitAgent commits. Without a model, the offline engine proposes the plan as a document and writes no code.
import type { TicketInfo } from '../../bot/core/ticket.port.js';
import type { Tenant } from '../../bot/core/types.js';
import type { ChangedFile, FileChange } from '../../bot/core/vcs.port.js';
import { NO_MODEL_NOTICE, offlineImplement } from '../llm/offline.js';
import type { CallMeta, ModelRouter } from '../llm/router.js';
import { linksIn, sanitiseValue } from '../llm/sanitise.js';
import type { UntrustedBlock } from '../llm/types.js';
import { mayWrite } from './boundary.js';
import { implementAnswerSchema } from './schemas.js';

export interface ChangeSet {
  readonly title: string;
  readonly plan: readonly string[];
  readonly files: readonly FileChange[];
  readonly model?: { provider: string; model: string } | undefined;
  /** Paths the model proposed that Void refuses to write (outside the allow-list, or CI/build configuration). */
  readonly refused: readonly string[];
}

const INSTRUCTIONS = [
  'Implement the ticket in the data as a small, reviewable change to the repository.',
  'Follow the repository conventions in the data. Include tests.',
  'Return a title, a step-by-step plan and the full new content of every file you add or change.',
].join('\n');

export async function implementTicket(
  router: ModelRouter,
  tenant: Tenant,
  ticket: TicketInfo,
  conventions: ReadonlyArray<{ path: string; text: string }>,
  meta: CallMeta,
  writePaths?: readonly string[],
): Promise<ChangeSet> {
  const data: UntrustedBlock[] = [
    { label: 'ticket', text: `${ticket.key}: ${ticket.summary}\nType: ${ticket.type}\n\n${ticket.description}` },
    ...conventions.map((c) => ({ label: `repository_convention ${c.path}`, text: c.text })),
  ];
  const answer = await router.ask(
    tenant,
    { task: 'implement', instructions: INSTRUCTIONS, data, schema: implementAnswerSchema, schemaName: 'change_set' },
    meta,
  );
  if (answer.source === 'offline') {
    const offline = offlineImplement(ticket);
    return {
      title: offline.title,
      plan: [...offline.plan, `${NO_MODEL_NOTICE} (${answer.reason})`],
      files: offline.files,
      refused: [],
    };
  }
  const clean = sanitiseValue(
    { title: answer.value.title, plan: answer.value.plan },
    linksIn(data.map((d) => d.text).join('\n')),
  );
  const refused = answer.value.files.filter((f) => !mayWrite(f.path, writePaths).ok).map((f) => f.path);
  const files = answer.value.files.filter((f) => mayWrite(f.path, writePaths).ok);
  if (!files.length) {
    const offline = offlineImplement(ticket);
    return {
      title: offline.title,
      plan: offline.plan,
      files: offline.files,
      refused,
      model: { provider: answer.provider, model: answer.model },
    };
  }
  return {
    title: clean.title,
    plan: clean.plan,
    files,
    refused,
    model: { provider: answer.provider, model: answer.model },
  };
}

/** A change set as the quality agent reads a diff: every file added in full. */
export function asAddedFiles(change: Pick<ChangeSet, 'files'>): ChangedFile[] {
  return change.files.map((f) => {
    const lines = f.content.split('\n');
    return {
      path: f.path,
      status: 'added',
      additions: lines.length,
      deletions: 0,
      patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
    };
  });
}
