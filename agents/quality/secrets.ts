// Committed secrets: the token formats of GitHub, Slack, AWS, OpenAI, Anthropic, private keys, and high-entropy
// string literals assigned to names that look like credentials.
import type { LineRule } from './types.js';

const ROTATE = 'Remove it from the code, rotate the credential now (it is in the git history), and load it from the secret store or an environment variable.';

function formatRule(id: string, label: string, pattern: RegExp): LineRule {
  return { id, severity: 'critical', message: `${label} committed in the code`, fixHint: ROTATE, test: (text) => pattern.test(text) };
}

export const TOKEN_PATTERNS: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['secret.private_key', 'A private key', /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/],
  ['secret.aws_access_key', 'An AWS access key id', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/],
  ['secret.aws_secret_key', 'An AWS secret access key', /aws.{0,24}(?:secret|key).{0,12}[=:]\s*['"`][A-Za-z0-9/+]{40}['"`]/i],
  ['secret.github_token', 'A GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/],
  ['secret.slack_token', 'A Slack token', /\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})\b|hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/],
  ['secret.anthropic_key', 'An Anthropic API key', /\bsk-ant-[A-Za-z0-9_-]{20,}/],
  ['secret.openai_key', 'An OpenAI API key', /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/],
];

export const SECRET_RULES: readonly LineRule[] = TOKEN_PATTERNS.map(([id, label, pattern]) => formatRule(id, label, pattern));

export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const CREDENTIAL_NAME = /(secret|token|passw(or)?d|api[_-]?key|private[_-]?key|credential|auth)/i;
const LITERAL = /['"`]([A-Za-z0-9+/=_\-.]{20,})['"`]/g;

/** A long, random-looking literal next to a credential-like name (or very random anywhere). */
export function highEntropyLiteral(text: string): boolean {
  for (const match of text.matchAll(LITERAL)) {
    const value = match[1] ?? '';
    const entropy = shannonEntropy(value);
    if (entropy >= 4.5 && value.length >= 32) return true;
    if (entropy >= 3.5 && CREDENTIAL_NAME.test(text)) return true;
  }
  return false;
}

export const HIGH_ENTROPY_RULE: LineRule = {
  id: 'secret.high_entropy',
  severity: 'high',
  message: 'A high-entropy string that looks like a credential',
  fixHint: `If this is a real credential: ${ROTATE} If it is not (a hash, a test fixture), move it to a fixture file.`,
  skipPath: /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml)$|\.(svg|min\.js)$/,
  test: highEntropyLiteral,
};

/** Replaces every secret-looking token in a text (used to sanitise model output before it is posted). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [, , pattern] of TOKEN_PATTERNS) out = out.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), '[secret removed]');
  return out.replace(LITERAL, (literal, value: string) => (shannonEntropy(value) >= 4.5 && value.length >= 32 ? '"[secret removed]"' : literal));
}
