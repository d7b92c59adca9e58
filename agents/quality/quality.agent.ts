// QualityAgent: deterministic checks over the added lines of a change set. No model, no network: the same diff
// always yields the same findings, each with file, line, rule id, severity and a fix hint.
import type { ChangedFile } from '../../bot/core/vcs.port.js';
import type { PolicyPack } from '../llm/models.schema.js';
import { addedLines } from '../context/diff.js';
import { policyRules } from './policy.js';
import { DEBUG_RULES, RISKY_RULES } from './risky.js';
import { HIGH_ENTROPY_RULE, SECRET_RULES } from './secrets.js';
import { SEVERITY_ORDER, type Finding, type LineRule } from './types.js';

export type { Finding, Severity } from './types.js';

const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|java|kt|rb|php|cs|rs|scala|swift|c|cc|cpp|h)$/;
const TEST = /(^|\/)(__tests__|tests?|spec|e2e)\/|[._-](test|spec)\.[a-z]+$|_test\.(go|py)$|(^|\/)test_[^/]+\.py$/;
const NOT_SOURCE = /(^|\/)(docs?|examples?|scripts?|migrations|fixtures|vendor|node_modules|dist|build)\//;

export function isTestFile(path: string): boolean {
  return TEST.test(path);
}

export function isSourceFile(path: string): boolean {
  return SOURCE.test(path) && !isTestFile(path) && !NOT_SOURCE.test(path) && !/\.d\.ts$/.test(path);
}

export class QualityAgent {
  private readonly rules: LineRule[];

  constructor(packs: readonly PolicyPack[] = []) {
    this.rules = [...SECRET_RULES, ...DEBUG_RULES, ...RISKY_RULES, ...policyRules(packs)];
  }

  analyse(files: readonly ChangedFile[]): Finding[] {
    const findings = files.filter((f) => f.status !== 'removed').flatMap((file) => this.analyseFile(file));
    findings.push(...this.missingTests(files));
    return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.path.localeCompare(b.path) || a.line - b.line);
  }

  private analyseFile(file: ChangedFile): Finding[] {
    const findings: Finding[] = [];
    for (const { line, text } of addedLines(file.patch)) {
      let secretFound = false;
      for (const rule of this.rules) {
        if (rule.skipPath?.test(file.path) || !rule.test(text)) continue;
        if (rule.id.startsWith('secret.')) secretFound = true;
        findings.push(toFinding(file.path, line, rule));
      }
      if (!secretFound && !HIGH_ENTROPY_RULE.skipPath?.test(file.path) && HIGH_ENTROPY_RULE.test(text)) {
        findings.push(toFinding(file.path, line, HIGH_ENTROPY_RULE));
      }
    }
    return findings;
  }

  /** Source files added or changed while no test file changed: one finding per source file, on its first change. */
  private missingTests(files: readonly ChangedFile[]): Finding[] {
    if (files.some((f) => isTestFile(f.path) && f.status !== 'removed')) return [];
    return files
      .filter((f) => isSourceFile(f.path) && f.status !== 'removed' && f.additions > 0)
      .map((f) => ({
        path: f.path,
        line: addedLines(f.patch)[0]?.line ?? 1,
        ruleId: 'tests.missing',
        severity: 'medium' as const,
        message: 'Source code changed without any test change in this pull request',
        fixHint: `Add or update tests that cover the change in ${f.path}.`,
        source: 'rules' as const,
      }));
  }
}

function toFinding(path: string, line: number, rule: LineRule): Finding {
  return { path, line, ruleId: rule.id, severity: rule.severity, message: rule.message, fixHint: rule.fixHint, source: 'rules' };
}
