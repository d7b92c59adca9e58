// The audit trail's refusals (audit.*): no action without its record, a broken chain, a prune over one, the audit API's
// tokens and queries. Statuses are those of the audit HTTP API.

export const AUDIT_REFUSALS = {
  'audit.unavailable': {
    text: () => 'The audit trail cannot be written right now, so nothing was done. Please try again shortly.',
    status: 503,
  },
  'audit.prune_refused': { text: (p: { why: string }) => `Nothing was pruned: ${p.why}` },
  'audit.bad_query': { text: (p: { why: string }) => p.why, status: 400 },
  'audit.no_such_member': {
    text: (p: { member: string; tenant: string }) => `There is no member "${p.member}" in tenant "${p.tenant}".`,
  },
  'audit.forbidden': {
    text: (p: { stage: 'token' } | { stage: 'create'; name: string; roles: string }) =>
      p.stage === 'token'
        ? 'The member this token was given to is no longer a compliance officer or admin.'
        : `Audit API tokens are only given to compliance officers and admins; ${p.name} has ${p.roles}.`,
    status: 403,
  },
  'audit.unauthorised': {
    text: () => 'An audit API token is needed: "Authorization: Bearer <token>" (void audit token create).',
    status: 401,
  },
  'audit.tokens_unavailable': {
    text: () => 'API tokens cannot be checked right now (Redis is unreachable); try again shortly.',
    status: 503,
  },
  'audit.not_found': { text: () => 'No such tenant.', status: 404 },
  // A verify report of a broken chain (audit/verify.ts): the report is the answer either way (no HTTP status).
  'audit.chain_broken': {
    text: (p: { seq: number; reason: string; message: string }) =>
      `The audit trail is broken at record ${p.seq} (${p.reason.replace('_', ' ')}): ${p.message}.`,
  },
} as const;
