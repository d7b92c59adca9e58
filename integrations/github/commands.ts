// What a command means inside a pull request: `/void deploy <env>` deploys this repository at the PR's head commit,
// `/void approve` and `/void reject` without an id mean the pending request shown in this PR, and `/void help` lists
// what this person can do here. The rewritten text then goes through the one grammar and dispatcher.
import type { ApprovalCard, ApprovalsPort } from '../../bot/core/approvals.port.js';
import { stripInvocation } from '../../bot/core/grammar.js';
import type { TenantRegistry } from '../../bot/core/registry.js';
import type { Reply, Tenant } from '../../bot/core/types.js';
import type { Logger } from '../../bot/core/logger.js';
import type { GithubChatPort } from './chat.js';
import type { GithubClient } from './client.js';
import { prChannel, type GithubEvent } from './mapper.js';

type CommandEvent = Extract<GithubEvent, { type: 'command' }>;

export interface CommandLookup {
  readonly client: GithubClient;
  readonly chat: GithubChatPort;
  readonly approvals?: ApprovalsPort | undefined;
  readonly log: Logger;
}

export interface Rewritten {
  readonly text: string;
  /** Said before the dispatcher's answer (e.g. why no request id could be found). */
  readonly note?: string;
  readonly help?: boolean;
  /** Nothing to dispatch: only the note is said (a refusal decided here, before anything is requested). */
  readonly stop?: boolean;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const HEAD_TIMEOUT_MS = 3000;

export async function rewriteCommand(
  e: CommandEvent,
  tenant: Tenant | undefined,
  lookup: CommandLookup,
): Promise<Rewritten> {
  const words = stripInvocation(e.text).split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  const args = words.slice(1);
  if (verb === 'help' && args.length === 0) return { text: e.text, help: true };
  if (verb === 'deploy' && (args.length === 1 || (args.length === 2 && args[0]?.toLowerCase() === 'to'))) {
    const environment = args[args.length - 1] as string;
    const sha = e.headSha ?? (await headSha(e, lookup));
    // Never silently retarget: without the head commit the deploy would go to the default branch instead.
    if (!sha)
      return {
        text: '',
        stop: true,
        note:
          `Nothing was requested: Void could not read the head commit of this pull request in time, ` +
          `and a deploy from a pull request deploys exactly that commit. Please say \`/void deploy ${environment}\` ` +
          `again in a moment.`,
      };
    return { text: `deploy ${e.repo.name.toLowerCase()} to ${environment} at ${sha}` };
  }
  if ((verb === 'approve' || verb === 'reject') && tenant && lookup.approvals) {
    const named =
      args[0] !== undefined && ID.test(args[0]) && (await lookup.approvals.get(tenant.id, args[0])) !== undefined;
    // A named id that does not resolve here (another tenant's, a typo) gets the dispatcher's "no such request".
    if (named || /^ap-/i.test(args[0] ?? '')) return { text: e.text };
    const shown = await pendingHere(e, tenant, lookup.approvals, lookup.chat);
    // Only requests that existed when the comment was written: a comment (or a replay of it) never decides a
    // request made after it.
    const pending = shown.filter((c) => olderThanComment(c, e.createdAt));
    if (pending.length === 1) return { text: [verb, (pending[0] as ApprovalCard).id, ...args].join(' ') };
    const later = shown.length - pending.length;
    const note =
      pending.length === 0
        ? `There is no pending request in this pull request that was made before your comment` +
          (later
            ? ` (${shown.map((c) => `\`${c.id}\``).join(', ')} came after it: say \`/void ${verb} <id>\` to decide one)`
            : '') +
          `; nothing was decided.`
        : `Several requests are pending in this pull request (${pending.map((c) => `\`${c.id}\``).join(', ')}), ` +
          `so Void cannot tell which one you mean: say \`/void ${verb} <id>\`. Nothing was decided.`;
    return { text: '', stop: true, note };
  }
  return { text: e.text };
}

async function headSha(e: CommandEvent, lookup: CommandLookup): Promise<string | undefined> {
  const api = lookup.client.forInstallation(e.installationId);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), HEAD_TIMEOUT_MS);
  });
  const read = api.pulls
    .get({ owner: e.repo.owner, repo: e.repo.name, pull_number: e.number })
    .then((r) => r.data.head.sha)
    .catch((err: unknown) => {
      lookup.log.warn(
        { err: { message: (err as Error)?.message } },
        'could not read the head commit of the pull request',
      );
      return undefined;
    });
  const sha = await Promise.race([read, timeout]);
  clearTimeout(timer);
  return sha;
}

function olderThanComment(card: ApprovalCard, commentAt: string | undefined): boolean {
  const made = Date.parse(card.createdAt ?? '');
  const said = Date.parse(commentAt ?? '');
  return Number.isFinite(made) && Number.isFinite(said) && made <= said;
}

/** Pending requests whose cards were shown in this pull request. */
async function pendingHere(
  e: CommandEvent,
  tenant: Tenant,
  approvals: ApprovalsPort,
  chat: GithubChatPort,
): Promise<ApprovalCard[]> {
  const ids = await chat.approvalsShownIn(e.installationId, prChannel(e.repo, e.number));
  const cards = await Promise.all(ids.map((id) => approvals.get(tenant.id, id)));
  return cards.filter((c): c is ApprovalCard => c?.state === 'pending');
}

/** The dispatcher's replies as said in this pull request: a note first, and the PR help in place of the generic one. */
export async function commentReplies(
  e: CommandEvent,
  tenant: Tenant | undefined,
  rewritten: Rewritten,
  replies: readonly Reply[],
  lookup: CommandLookup & { registry: TenantRegistry },
): Promise<Reply[]> {
  const out = [...replies];
  if (rewritten.help && tenant && out[0]?.kind === 'answer') {
    const resolved = lookup.registry.resolve('github', String(e.installationId), e.sender, e.senderId);
    if (resolved.ok) {
      const mine = lookup.approvals ? await lookup.approvals.pendingFor(tenant.id, resolved.actor.memberId) : [];
      const shown = new Set(await lookup.chat.approvalsShownIn(e.installationId, prChannel(e.repo, e.number)));
      out[0] = {
        text: prHelp(
          resolved.actor.name,
          resolved.actor.roles,
          tenant.name,
          e.repo.name,
          mine.filter((c) => shown.has(c.id)),
        ),
        kind: 'answer',
      };
    }
  }
  if (rewritten.note) out.unshift({ text: rewritten.note, kind: 'refusal' });
  return out;
}

export function prHelp(
  name: string,
  roles: readonly string[],
  tenantName: string,
  repoName: string,
  decidable: readonly ApprovalCard[],
): string {
  const lines = [
    `You are ${name} (${roles.join(', ')}) in ${tenantName}. In this pull request you can say:`,
    '- `/void review`: review this pull request',
    `- \`/void deploy <environment>\`: deploy ${repoName.toLowerCase()} at this pull request's head commit (your ` +
      `tenant's policy may ask for an approval first)`,
    '- `/void status [id]`: the queue, or one job or approval',
  ];
  if (decidable.length) {
    lines.push(
      `- \`/void approve [id]\` or \`/void reject [id] [reason]\`: you may ` +
        `decide ${decidable.map((c) => `\`${c.id}\` (${c.summary})`).join(', ')}`,
    );
  } else {
    lines.push(
      '- `/void approve [id]` or `/void reject [id] [reason]`: no pending request in this pull request is ' +
        'waiting for you',
    );
  }
  lines.push('- `/void help`: this list');
  return lines.join('\n');
}
