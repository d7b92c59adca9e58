// The secret engine: secretlint's recommended preset (a maintained scanner) plus Void's own rules for the kinds and
// forms it does not cover (secret-rules.ts). It returns spans (line, start, end, kind), never values, so that the
// same answer serves the review (a finding on a line) and redaction (a placeholder before any prompt is built).
import type { SecretLintCoreConfig } from '@secretlint/types';
import { isPlaceholder, VOID_SECRET_RULES, type Confidence, type SecretRule } from './secret-rules.js';

export type { Confidence } from './secret-rules.js';

export interface SecretSpan {
  readonly kind: string;
  readonly confidence: Confidence;
  /** 1-based line of the span's start in the scanned text. */
  readonly line: number;
  /** 0-based columns on that line (end exclusive; for a span over several lines, the end of the first line). */
  readonly start: number;
  readonly end: number;
  /** Offsets in the scanned text (end exclusive): what redaction replaces. */
  readonly index: number;
  readonly endIndex: number;
}

const LOCKFILE_NAMES = [
  String.raw`package-lock\.json`,
  String.raw`npm-shrinkwrap\.json`,
  String.raw`yarn\.lock`,
  String.raw`pnpm-lock\.yaml`,
  String.raw`go\.sum`,
  String.raw`Cargo\.lock`,
  String.raw`poetry\.lock`,
  String.raw`composer\.lock`,
  String.raw`Gemfile\.lock`,
  String.raw`Pipfile\.lock`,
  String.raw`bun\.lock`,
];
/** Lockfiles hold integrity hashes by the thousand and never a credential of the project's own. */
export const LOCKFILE = new RegExp(String.raw`(^|\/)(${LOCKFILE_NAMES.join('|')})$`);

// secretlint rule id (and message id where one rule finds several kinds) → Void's kind. Its AWS rule is left out:
// Void's own covers the same names and more spellings, with a range on the value (secretlint's starts at the name).
const SECRETLINT_KINDS: Readonly<Record<string, string>> = {
  gcp: 'gcp_service_account',
  npm: 'npm_token',
  slack: 'slack_token',
  'slack/IncomingWebhook': 'slack_webhook',
  basicauth: 'url_credentials',
  openai: 'openai_key',
  anthropic: 'anthropic_key',
  linear: 'linear_key',
  privatekey: 'private_key',
  sendgrid: 'sendgrid_key',
  shopify: 'shopify_token',
  github: 'github_token',
  '1password': 'onepassword_token',
  'database-connection-string': 'database_url',
};

/** secretlint and its preset (about 20 MB resident) are loaded at the first scan: a web process never scans. */
let secretlint:
  Promise<{ lintSource: typeof import('@secretlint/core').lintSource; config: SecretLintCoreConfig }> | undefined;
function loadSecretlint(): NonNullable<typeof secretlint> {
  secretlint ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(
    ([core, preset]) => ({
      lintSource: core.lintSource,
      config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] },
    }),
  );
  return secretlint;
}

async function secretlintSpans(text: string, path: string): Promise<Array<Omit<SecretSpan, 'line' | 'start' | 'end'>>> {
  const { lintSource, config } = await loadSecretlint();
  // A virtual path: a rule that reads the file from disk (GCP .p12) finds nothing there.
  // Should secretlint ever throw on an input, Void's own rules still run (and still redact).
  const result = await lintSource({
    source: { content: text, filePath: `/void-review-virtual/${path}`, contentType: 'text' },
    options: { config },
  }).catch(() => ({ messages: [] }));
  const spans: Array<Omit<SecretSpan, 'line' | 'start' | 'end'>> = [];
  for (const message of result.messages) {
    const rule = message.ruleId.replace('@secretlint/secretlint-rule-', '');
    const kind = SECRETLINT_KINDS[`${rule}/${message.messageId}`] ?? SECRETLINT_KINDS[rule];
    const [index, endIndex] = message.range;
    if (!kind || isPlaceholder(text.slice(index, endIndex), kind)) continue;
    spans.push({ kind, confidence: 'high', index, endIndex });
  }
  return spans;
}

function ruleSpans(text: string, rule: SecretRule): Array<Omit<SecretSpan, 'line' | 'start' | 'end'>> {
  const pattern = new RegExp(rule.pattern.source, `${rule.pattern.flags.replace(/[gd]/g, '')}gd`);
  const spans: Array<Omit<SecretSpan, 'line' | 'start' | 'end'>> = [];
  for (const match of text.matchAll(pattern)) {
    const value = match.groups?.v;
    const at = match.indices?.groups?.v;
    if (!value || !at || isPlaceholder(value, rule.kind) || (rule.accept && !rule.accept(value, match))) continue;
    spans.push({ kind: rule.kind, confidence: rule.confidence, index: at[0], endIndex: at[1] });
  }
  return spans;
}

/** Void's own rules only: synchronous, for cleaning a model's answer. */
export function ownSecretSpans(text: string): SecretSpan[] {
  return withLines(
    text,
    VOID_SECRET_RULES.flatMap((rule) => ruleSpans(text, rule)),
  );
}

/** Every secret in a text: secretlint's findings and Void's own, overlapping spans merged (high confidence first). */
export async function scanSecrets(text: string, path = 'input.txt'): Promise<SecretSpan[]> {
  if (LOCKFILE.test(path) || !text) return [];
  const found = [...(await secretlintSpans(text, path)), ...VOID_SECRET_RULES.flatMap((rule) => ruleSpans(text, rule))];
  return withLines(text, found);
}

function withLines(text: string, found: ReadonlyArray<Omit<SecretSpan, 'line' | 'start' | 'end'>>): SecretSpan[] {
  const ordered = [...found].sort(
    (a, b) =>
      (a.confidence === b.confidence ? 0 : a.confidence === 'high' ? -1 : 1) ||
      b.endIndex - b.index - (a.endIndex - a.index),
  );
  const kept: Array<Omit<SecretSpan, 'line' | 'start' | 'end'>> = [];
  for (const span of ordered)
    if (!kept.some((k) => span.index < k.endIndex && k.index < span.endIndex)) kept.push(span);
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return kept
    .sort((a, b) => a.index - b.index)
    .map((span) => {
      let line = 0;
      while (line + 1 < starts.length && (starts[line + 1] ?? Infinity) <= span.index) line++;
      const lineStart = starts[line] ?? 0;
      const lineEnd = starts[line + 1] !== undefined ? (starts[line + 1] as number) - 1 : text.length;
      return {
        ...span,
        line: line + 1,
        start: span.index - lineStart,
        end: Math.min(span.endIndex, lineEnd) - lineStart,
      };
    });
}

/** Each span replaced by `<redacted kind>`; a span over several lines keeps its line breaks (and a diff's prefixes). */
export function redactSpans(text: string, spans: readonly SecretSpan[]): string {
  let out = '';
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.index - b.index)) {
    if (span.index < at) continue;
    const breaks = text
      .slice(span.index, span.endIndex)
      .split('\n')
      .slice(1)
      .map((l) => `\n${/^(?:[+ ]|-(?!----))/.test(l) ? l[0] : ''}`);
    out += `${text.slice(at, span.index)}<redacted ${span.kind}>${breaks.join('')}`;
    at = span.endIndex;
  }
  return out + text.slice(at);
}

/** The text with every secret the engine finds replaced by a placeholder naming its kind. */
export async function redactText(text: string): Promise<{ text: string; kinds: string[] }> {
  const spans = await scanSecrets(text);
  return { text: spans.length ? redactSpans(text, spans) : text, kinds: spans.map((s) => s.kind) };
}

// Token formats that only secretlint knows, repeated here so that a model's answer can be cleaned synchronously.
const OUTPUT_ONLY: readonly RegExp[] = [
  /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g,
  new RegExp(
    [
      // Slack tokens, then incoming webhook URLs
      String.raw`\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})\b`,
      String.raw`hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+`,
    ].join('|'),
    'g',
  ),
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bSG\.[\w-]{22}\.[\w-]{43}\b/g,
  new RegExp(
    [
      // OpenAI keys: project, service account and admin keys, then the older form
      'sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74}',
      'sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}',
    ].join('|'),
    'g',
  ),
  /sk-ant-api0\d-[A-Za-z0-9_-]{90,128}AA(?![A-Za-z0-9_-])/g,
];

/** Replaces every secret-looking token in a text (used to sanitise model output before it is posted). */
export function redactSecrets(text: string): string {
  let out = redactSpans(
    text,
    ownSecretSpans(text).filter((s) => s.confidence === 'high' || s.kind === 'generic_credential'),
  );
  for (const pattern of OUTPUT_ONLY) out = out.replace(pattern, '[secret removed]');
  return out.replace(/<redacted [a-z_]+>/g, '[secret removed]');
}
