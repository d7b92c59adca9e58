// Refusals met while doing the work (webhook.*, agent.*, teams.login_*, github_ids.*): an outbound endpoint Void will
// not call, a file an agent may not write, a credential the platform refused. Some are fragments that a caller says
// in a sentence of its own (a doctor line, a plan note).

export const WORK_REFUSALS = {
  'webhook.bad_url': {
    text: (p: { problem: 'unparsable' | 'credentials' } | { problem: 'scheme'; scheme: string }) =>
      p.problem === 'scheme'
        ? `the scheme ${p.scheme} is not http(s)`
        : p.problem === 'unparsable'
          ? 'the endpoint URL does not parse'
          : 'credentials in the endpoint URL are not allowed: sign with secretRef instead',
  },
  'webhook.unresolvable': { text: (p: { host: string }) => `${p.host} does not resolve` },
  'webhook.blocked_address': {
    text: (p: { host: string; address: string }) =>
      `${p.host} resolves to ${p.address}, a loopback, private, link-local or metadata address; add it to ` +
      `VOID_OUTBOUND_ALLOW if it is meant`,
  },
  'agent.protected_path': {
    text: (p: { what: string }) => `${p.what}: CI, build and ownership configuration is never written by an agent`,
  },
  'agent.outside_allowed': {
    text: (p: { allow: readonly string[] }) => `outside the folders the policy allows (${p.allow.join(', ')})`,
  },
  'teams.login_unreachable': {
    text: (p: { host: string; timedOut: boolean }) =>
      `the login host ${p.host} did not answer (${p.timedOut ? 'timed out' : 'connection failed'})`,
  },
  'teams.login_rejected': {
    text: (p: { status: number; error?: string | undefined; aadsts?: string | undefined }) =>
      `the login host refused the app id and password (HTTP ` +
      `${p.status}${p.error ? `, ${p.error}` : ''}${p.aadsts ? ` ${p.aadsts}` : ''})`,
  },
  'teams.login_bad_response': {
    text: (p: { status: number }) => `the login host answered HTTP ${p.status} without a token`,
  },
  'github_ids.not_a_login': { text: () => 'not a GitHub login' },
  'github_ids.no_such_user': {
    text: () => "no such GitHub user (renamed or deleted?): find the person's current login",
  },
  'github_ids.bad_status': { text: (p: { status: number }) => `GitHub answered ${p.status}` },
  'github_ids.no_id': { text: () => 'GitHub answered without an id' },
  'github_ids.unreachable': { text: (p: { error: string }) => `could not ask GitHub (${p.error})` },
} as const;
