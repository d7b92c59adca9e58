// The shape of a whole-file rule (infra.ts, infra-languages.ts) and its two helpers: a rule reads a file's whole
// content and names the lines it flags, skipping comment lines.
import type { Severity } from './types.js';

export interface FileRule {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fixHint: string;
  /** Which files the rule family reads (for the coverage statement). */
  readonly family: string;
  check(content: string, path: string): number[];
}

export function linesMatching(content: string, pattern: RegExp): number[] {
  return content.split('\n').flatMap((text, i) => (pattern.test(text) && !/^\s*(#|\/\/)/.test(text) ? [i + 1] : []));
}

export function rule(
  family: string,
  id: string,
  severity: Severity,
  message: string,
  fixHint: string,
  check: (content: string, path: string) => number[],
): FileRule {
  return { family, id, severity, message, fixHint, check };
}
