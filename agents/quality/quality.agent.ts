// QualityAgent: deterministic checks over a change set. No model, no network: the same change always yields the
// same findings, each with file, line, rule id, severity, confidence and a fix hint, and a statement of what ran on
// which files and what was not covered.
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import type { PolicyPack } from '../llm/models.schema.js';
import { addedLines, parsePatch } from '../context/diff.js';
import { changeFindings } from './change.js';
import { fileRulesFor, familyOf } from './infra.js';
import { policyRules } from './policy.js';
import { DEBUG_RULES, RISKY_RULES } from './risky.js';
import { LOCKFILE, scanSecrets } from './secrets.js';
import { langOf, structuralHits } from './structural.js';
import { SEVERITY_ORDER, type Finding, type LineRule, type Severity } from './types.js';

export type { Finding, Severity } from './types.js';

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|java|kt|rb|php|cs|rs|scala|swift|c|cc|cpp|h)$/;
const TEST = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[a-z]+$|_test\.(go|py)$|(^|\/)test_[^/]+\.py$/;
const NOT_SOURCE = /(^|\/)(docs?|examples?|scripts?|migrations|fixtures|vendor|node_modules|dist|build)\//;
const SECRET_LABEL: Readonly<Record<string, string>> = {
  aws_access_key: 'An AWS access key id',
  aws_secret_key: 'An AWS secret access key',
  github_token: 'A GitHub token',
  gitlab_token: 'A GitLab token',
  slack_token: 'A Slack token',
  slack_webhook: 'A Slack incoming webhook URL',
  openai_key: 'An OpenAI API key',
  anthropic_key: 'An Anthropic API key',
  private_key: 'A private key',
  stripe_key: 'A Stripe secret key',
  gcp_api_key: 'A Google API key',
  gcp_service_account: 'A Google service account key',
  azure_client_secret: 'An Azure AD client secret',
  jwt: 'A JSON Web Token',
  url_credentials: 'Credentials inside a URL',
  database_url: 'A database connection string with its password',
  authorization_header: 'An Authorization header with its credential',
};
const secretMessage = (kind: string) =>
  `${SECRET_LABEL[kind] ?? `A credential (${kind.replace(/_/g, ' ')})`} committed in the code`;
const ROTATE =
  'Remove it from the code, rotate the credential now (it is in the git history), and load it from the secret ' +
  'store or an environment variable.';

export function isTestFile(path: string): boolean {
  return TEST.test(path);
}

export function isSourceFile(path: string): boolean {
  return SOURCE.test(path) && !isTestFile(path) && !NOT_SOURCE.test(path) && !/\.d\.ts$/.test(path);
}

export interface Analysis {
  readonly findings: Finding[];
  /** What ran on which files, and what was not covered, as sentences a person reads. */
  readonly coverage: string[];
}

/** The new side of a patch as a file: the lines the diff shows at their numbers, blank lines elsewhere. */
export function newSideOf(patch: string | undefined): string {
  const lines: string[] = [];
  for (const l of parsePatch(patch).flatMap((h) => h.lines)) if (l.line !== undefined) lines[l.line - 1] = l.text;
  return Array.from(lines, (l) => l ?? '').join('\n');
}

function finding(
  path: string,
  line: number,
  r: { ruleId: string; severity: Severity; message: string; fixHint: string; confidence?: 'high' | 'verify' },
): Finding {
  return {
    path,
    line,
    ruleId: r.ruleId,
    severity: r.severity,
    message: r.message,
    fixHint: r.fixHint,
    source: 'rules',
    confidence: r.confidence ?? 'high',
  };
}

export class QualityAgent {
  private readonly rules: LineRule[];

  constructor(packs: readonly PolicyPack[] = []) {
    this.rules = [...DEBUG_RULES, ...policyRules(packs)];
  }

  async analyse(files: readonly ChangedFile[], contents: ReadonlyMap<string, string> = new Map()): Promise<Finding[]> {
    return (await this.review(files, contents)).findings;
  }

  async review(files: readonly ChangedFile[], contents: ReadonlyMap<string, string> = new Map()): Promise<Analysis> {
    const present = files.filter((f) => f.status !== 'removed' && f.patch);
    const findings = (await Promise.all(present.map((file) => this.analyseFile(file, contents.get(file.path))))).flat();
    findings.push(...this.missingTests(files), ...changeFindings(files, contents));
    findings.sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.path.localeCompare(b.path) || a.line - b.line,
    );
    return { findings, coverage: coverageOf(files, contents) };
  }

  private async analyseFile(file: ChangedFile, content: string | undefined): Promise<Finding[]> {
    const added = addedLines(file.patch);
    const changed = new Set(added.map((a) => a.line));
    const findings: Finding[] = [];
    const spans = await scanSecrets(added.map((a) => a.text).join('\n'), file.path);
    for (const span of spans) {
      const line = added[span.line - 1]?.line ?? 1;
      findings.push(
        finding(
          file.path,
          line,
          span.confidence === 'high'
            ? {
                ruleId: `secret.${span.kind}`,
                severity: 'critical',
                message: secretMessage(span.kind),
                fixHint: ROTATE,
              }
            : {
                ruleId: `secret.${span.kind}`,
                severity: 'medium',
                confidence: 'verify',
                message: 'A value that looks like a credential (verify: a heuristic, not a known format)',
                fixHint: `If this is a real credential: ${ROTATE}`,
              },
        ),
      );
    }
    const lineRules = [...this.rules, ...(langOf(file.path) || familyOf(file.path) ? [] : RISKY_RULES)];
    for (const { line, text } of added) {
      for (const rule of lineRules)
        if (!rule.skipPath?.test(file.path) && rule.test(text))
          findings.push(finding(file.path, line, { ruleId: rule.id, ...rule }));
    }
    if (LOCKFILE.test(file.path)) return findings; // generated: no structural or infrastructure rules
    const whole = content ?? newSideOf(file.patch);
    for (const hit of structuralHits(file.path, whole) ?? []) {
      const first = [...Array(hit.to - hit.from + 1).keys()].map((i) => hit.from + i).find((n) => changed.has(n));
      if (first !== undefined) findings.push(finding(file.path, first, hit));
    }
    for (const rule of fileRulesFor(file.path)) {
      for (const line of new Set(rule.check(whole, file.path)))
        if (changed.has(line)) findings.push(finding(file.path, line, { ruleId: rule.id, ...rule }));
    }
    return findings;
  }

  /** Source files added or changed while no test file changed: one finding per source file, on its first change. */
  private missingTests(files: readonly ChangedFile[]): Finding[] {
    if (files.some((f) => isTestFile(f.path))) return [];
    return files
      .filter((f) => isSourceFile(f.path) && f.status !== 'removed' && f.additions > 0)
      .map((f) =>
        finding(f.path, addedLines(f.patch)[0]?.line ?? 1, {
          ruleId: 'tests.missing',
          severity: 'medium',
          message: 'Source code changed without any test change in this pull request',
          fixHint: `Add or update tests that cover the change in ${f.path}.`,
        }),
      );
  }
}

function coverageOf(files: readonly ChangedFile[], contents: ReadonlyMap<string, string>): string[] {
  const present = files.filter((f) => f.status !== 'removed' && f.patch);
  const structural = present.filter((f) => langOf(f.path));
  const infra = present.filter((f) => familyOf(f.path));
  const uncovered = [
    ...new Set(
      present
        .filter((f) => !langOf(f.path) && !familyOf(f.path) && !LOCKFILE.test(f.path))
        .map((f) =>
          /\.[^./]+$/.exec(f.path)?.[0] ? `*${/\.[^./]+$/.exec(f.path)?.[0]}` : (f.path.split('/').pop() ?? f.path),
        ),
    ),
  ];
  const out = [
    `Secrets (secretlint recommended preset and Void's rules) and line checks: ${present.length} ` +
      `file(s)${present.some((f) => LOCKFILE.test(f.path)) ? ', lockfiles skipped' : ''}.`,
  ];
  if (structural.length)
    out.push(
      `Structural rules (ast-grep, JavaScript/TypeScript): ${structural.map((f) => `\`${f.path}\``).join(', ')}.`,
    );
  if (infra.length)
    out.push(
      `Infrastructure and language rules: ${infra.map((f) => `\`${f.path}\` (${familyOf(f.path)})`).join(', ')}.`,
    );
  if (uncovered.length)
    out.push(
      `No structural or infrastructure rules for ${uncovered.join(', ')} in this review (secrets and line checks ` +
        `only).`,
    );
  const read = present.filter((f) => contents.has(f.path)).length;
  if (present.length && read < present.length)
    out.push(
      `${present.length - read} file(s) were checked on the diff only (the full file at the head commit could ` +
        `not be read).`,
    );
  const noPatch = files.filter((f) => f.status !== 'removed' && !f.patch);
  if (noPatch.length)
    out.push(
      `${noPatch.length} file(s) without a patch were not reviewed: ${noPatch.map((f) => `\`${f.path}\``).join(', ')}.`,
    );
  const removed = files.filter((f) => f.status === 'removed').length;
  if (removed) out.push(`${removed} removed file(s): checked only for deleted tests.`);
  return out;
}
