// Refusals of an inbound request, before anything is done (slack.*, teams.*, github.*, jira.*, request.*): the
// signature that does not verify (401, recorded on the security trail with the reason in the refusal's details), the
// body that does not parse (400). The texts say why to whoever sent the request and never name a secret.

const repeated = {
  text: (p: { header: string }) => `The ${p.header} header was sent more than once; Void accepts exactly one.`,
  status: 401,
} as const;
const unauthenticated = (text: string) => ({ text: () => text, status: 401 }) as const;
const badBody = (text: string) => ({ text: () => text, status: 400 }) as const;

export const INBOUND_REFUSALS = {
  'slack.repeated_header': repeated,
  'teams.repeated_header': repeated,
  'github.repeated_header': repeated,
  'jira.repeated_header': repeated,
  'slack.bad_signature': unauthenticated(
    'The request is not signed by Slack (or its timestamp is outside the 5-minute window).',
  ),
  'github.bad_signature': unauthenticated(
    "The X-Hub-Signature-256 signature is missing or does not match this App's webhook secret.",
  ),
  'jira.bad_signature': {
    text: (p: { problem: 'signature' | 'no_secret_for_url' }) =>
      p.problem === 'signature'
        ? 'The X-Hub-Signature header does not match the body and the webhook secret of this URL.'
        : "No webhook secret verifies deliveries to this URL: each tenant's JIRA site has its own URL, " +
          '/jira/webhooks/<tenant id>, and its own secret (docs/jira.md).',
    status: 401,
  },
  'teams.missing_token': unauthenticated('A Bot Framework bearer token is required.'),
  'teams.bad_token': {
    text: (p: { problem: 'malformed' | 'no_key_id' | 'invalid' }) =>
      p.problem === 'malformed'
        ? 'The bearer token is malformed.'
        : p.problem === 'no_key_id'
          ? 'The token names no signing key.'
          : 'The bearer token is not valid.',
    status: 401,
  },
  'teams.bad_algorithm': unauthenticated('The token must be signed with RS256.'),
  'teams.unknown_key': unauthenticated('The token is signed by a key the Bot Framework does not publish.'),
  'teams.expired_token': unauthenticated('The token has expired.'),
  'teams.wrong_audience': unauthenticated('The token is not addressed to this bot.'),
  'teams.wrong_issuer': unauthenticated('The token was not issued by the Bot Framework.'),
  'teams.bad_claims': { text: (p: { claim: string }) => `The token's "${p.claim}" claim is not valid.`, status: 401 },
  'teams.bad_signature': unauthenticated('The token signature does not verify.'),
  'teams.service_url_mismatch': unauthenticated('The token was issued for another service URL.'),
  'teams.not_endorsed': {
    text: (p: { channel: string }) => `The signing key is not endorsed for the "${p.channel}" channel.`,
    status: 401,
  },
  /** The signing keys cannot be fetched: nothing could be checked, nothing is recorded, the channel retries. */
  'teams.keys_unavailable': { text: (p: { why: string }) => p.why, status: 503 },
  'teams.channel_not_allowed': {
    text: (p: { channel: string; allowed: readonly string[] }) =>
      `Activities from the "${p.channel}" channel are not accepted (allowed: ${p.allowed.join(', ')}).`,
    status: 403,
  },
  'teams.tenant_mismatch': unauthenticated(
    'The activity names two different Azure AD tenants (conversation.tenantId and channelData.tenant.id).',
  ),
  'teams.bad_activity': {
    text: (p: { path: string; issue: string }) => `The activity is not valid: ${p.path}: ${p.issue}.`,
    status: 400,
  },
  'slack.bad_body': {
    text: (p: { missing?: readonly string[] }) =>
      p.missing
        ? `The slash command is missing ${p.missing.join(', ')}.`
        : 'The body is not a Slack event, interaction or slash command (no "type" or "command").',
    status: 400,
  },
  // The one safe parser (bot/http/parse.ts): the pipeline answers 400 with the adapter's own error code.
  'request.too_deep': {
    text: (p: { limit: number }) => `The body nests deeper than ${p.limit} levels.`,
    status: 400,
  },
  'request.bad_json': badBody('The body is not valid JSON.'),
  'request.forbidden_key': {
    text: (p: { key: string; in: 'body' | 'form' }) =>
      p.in === 'body'
        ? `The body has a "${p.key}" key, which Void refuses (prototype pollution).`
        : `The form has a "${p.key}" field, which Void refuses (prototype pollution).`,
    status: 400,
  },
  'request.not_object': badBody('The body is not a JSON object.'),
  'request.empty_form': badBody('The form body is empty.'),
  'request.bad_form': badBody('The form body is malformed.'),
  'request.repeated_field': {
    text: (p: { key: string }) => `The form has the field "${p.key}" twice.`,
    status: 400,
  },
  'request.bad_media_type': badBody('Expected application/x-www-form-urlencoded or application/json.'),
  'request.bad_payload': { text: (p: { why: string }) => `The "payload" field: ${p.why}`, status: 400 },
} as const;
