// Refusals of a person in chat (identity.*, limit.*, command.*) and at the dashboard's sign-in (dashboard.*): who
// Void does not know, how much it will take in a minute, what it cannot read.
import type { Platform, Tenant } from '../types.js';

/** Platforms whose replies everyone in the thread reads (PR and ticket comments): nobody is named there. */
const PUBLIC_REPLIES: readonly Platform[] = ['github', 'jira'];

/**
 * Why a person who maps to no member is refused. In chat the answer is private and names the tenant's admins; in a
 * pull request or ticket everyone reads it, so it names nobody (a stranger learns neither who runs Void nor whom to
 * pester) and says only what to do.
 */
function unknownUser(p: { tenant: Tenant; platform: Platform }): string {
  const { tenant, platform } = p;
  if (PUBLIC_REPLIES.includes(platform)) {
    return (
      `Void did not act on this: your ${platform} account is not linked to a member of this organisation's Void. ` +
      `If you should be able to use Void here, ask your Void administrators to add your ${platform} account to the ` +
      `tenants file.`
    );
  }
  const admins = tenant.members.filter((m) => m.roles.includes('admin')).map((m) => m.name);
  const whom = admins.length
    ? `ask ${admins.join(' or ')} (admin of ${tenant.name})`
    : `ask an admin of ${tenant.name}`;
  return (
    `Void does not know you yet: your ${platform} account is not linked to a member of ${tenant.name}. ` +
    `To be added, ${whom}.`
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const CHAT_REFUSALS = {
  /** 403 where it is answered over HTTP (a Teams activity from a tenant no one bound). */
  'identity.unknown_workspace': {
    text: (p?: { where: 'teams' }) =>
      p?.where === 'teams'
        ? 'This workspace is not connected to Void.'
        : 'This workspace is not connected to Void. Ask your Void administrator to add it to the tenants file.',
    status: 403,
  },
  'identity.unknown_user': { text: unknownUser },
  'limit.member_rate': {
    text: (p: { limit: number; retryAfterSeconds: number }) =>
      `You have sent more than ${p.limit} commands this minute, the limit per person. Please try again in ` +
      `${p.retryAfterSeconds} s.`,
    status: 429,
  },
  'limit.tenant_rate': {
    text: (p: { tenant: string; limit: number; retryAfterSeconds: number }) =>
      `${p.tenant} has sent more than ${p.limit} commands this minute, the limit for the whole organisation. Please ` +
      `try again in ${p.retryAfterSeconds} s.`,
    status: 429,
  },
  /** `error` is the grammar's lower-case reason, `usage` the help to show with it. */
  'command.unparsable': {
    text: (p: { error: string; usage: string; commandName?: string | undefined }) =>
      `${capitalise(p.error)}.\n${p.usage}`,
  },
  'dashboard.oidc_state': {
    text: () => 'This sign-in was not started here, was already used, or took longer than 10 minutes. Start again.',
  },
  'dashboard.oidc_off': { text: () => 'Single sign-on is not configured for this organisation.' },
  'dashboard.oidc_denied': { text: () => 'The identity provider did not sign you in.' },
  'dashboard.oidc_invalid': {
    text: (p: { code?: string }) =>
      p.code === undefined
        ? 'The identity provider sent no ID token.'
        : `The identity provider's answer could not be verified (${p.code}).`,
  },
  'dashboard.oidc_unknown': {
    text: (p: { tenant: string }) =>
      `You signed in with your identity provider, but you are not a member of ${p.tenant} in Void. Ask an admin to ` +
      `link your account.`,
  },
} as const;
