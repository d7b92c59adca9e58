// A deterministic finding: where, which rule, how bad, how to fix. Needs no model.
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

export interface Finding {
  readonly path: string;
  readonly line: number;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fixHint: string;
  readonly source: 'rules' | 'model';
  /** `verify`: a heuristic (entropy, allow-listed interpolation) a person should check; it never blocks. */
  readonly confidence?: 'high' | 'verify' | undefined;
}

/** Only high-confidence critical or high findings request changes. */
export function isBlocking(f: Finding): boolean {
  return (f.severity === 'critical' || f.severity === 'high') && f.confidence !== 'verify';
}

/** A rule looks at one added line and says what is wrong with it, if anything. */
export interface LineRule {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fixHint: string;
  /** Paths the rule ignores (e.g. debug output in scripts). */
  readonly skipPath?: RegExp;
  test(text: string): boolean;
}
