// Structural rules on JavaScript and TypeScript with ast-grep (tree-sitter syntax trees through @ast-grep/napi):
// the whole file at the head commit is parsed, so a query built over several lines is one node; a match is
// reported only when it touches a changed line.
import { Lang, parse, type SgNode } from '@ast-grep/napi';
import type { Severity } from './types.js';
import type { Confidence } from './secret-rules.js';

export interface StructuralHit {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly message: string;
  readonly fixHint: string;
  /** 1-based lines the matched node spans. */
  readonly from: number;
  readonly to: number;
}

const SQL =
  /\b(SELECT\s[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+[\w."`]+\s+SET|DELETE\s+FROM|WHERE\s+\w+\s*(=|LIKE|IN))\b/i;
/** Interpolations Void trusts: UPPER_CASE constants and their members (column and table names). */
const CONSTANT = /^[A-Z][A-Z0-9_]*(\.[A-Za-z_$][\w$]*)*$/;

export function langOf(path: string): Lang | undefined {
  if (/\.(tsx)$/.test(path)) return Lang.Tsx;
  if (/\.(ts|mts|cts)$/.test(path)) return Lang.TypeScript;
  if (/\.(js|jsx|mjs|cjs)$/.test(path)) return Lang.Tsx;
  return undefined;
}

function hit(node: SgNode, rule: Omit<StructuralHit, 'from' | 'to'>): StructuralHit {
  const range = node.range();
  return { ...rule, from: range.start.line + 1, to: range.end.line + 1 };
}

function substitutions(node: SgNode): string[] {
  return node.findAll({ rule: { kind: 'template_substitution' } }).map((s) => s.text().slice(2, -1).trim());
}

/** SQL in a template literal with `${…}`, or in a `+` chain with a non-literal operand, on one line or many. */
function sqlInjection(root: SgNode): StructuralHit[] {
  const hits: StructuralHit[] = [];
  const message = 'SQL built by string concatenation or interpolation (SQL injection)';
  const fixHint = 'Use a parameterised query (placeholders such as $1 or ?) and pass the values separately.';
  for (const tpl of root.findAll({ rule: { kind: 'template_string' } })) {
    if (!SQL.test(tpl.text())) continue;
    const subs = substitutions(tpl);
    if (!subs.length) continue;
    const trusted = subs.every((s) => CONSTANT.test(s));
    hits.push(
      hit(
        tpl,
        trusted
          ? {
              ruleId: 'risky.sql_interpolation',
              severity: 'low',
              confidence: 'verify',
              message: 'SQL interpolates only constants (column or table names): verify none can come from input',
              fixHint,
            }
          : { ruleId: 'risky.sql_concatenation', severity: 'high', confidence: 'high', message, fixHint },
      ),
    );
  }
  for (const expr of root.findAll({
    rule: { kind: 'binary_expression', not: { inside: { kind: 'binary_expression' } } },
  })) {
    const text = expr.text();
    if (!/\+/.test(text) || !SQL.test(text)) continue;
    const operands = expr.findAll({
      rule: {
        any: [{ kind: 'identifier' }, { kind: 'member_expression' }, { kind: 'call_expression' }],
        not: { inside: { kind: 'member_expression' } },
      },
    });
    const dynamic = operands.filter((o) => !CONSTANT.test(o.text()));
    if (dynamic.length)
      hits.push(
        hit(expr, { ruleId: 'risky.sql_concatenation', severity: 'high', confidence: 'high', message, fixHint }),
      );
  }
  return hits;
}

function dynamicArg(node: SgNode | null): boolean {
  if (!node) return false;
  const kind = node.kind();
  if (kind === 'string') return false;
  if (kind === 'template_string') return substitutions(node).length > 0;
  return true;
}

function execution(root: SgNode): StructuralHit[] {
  const hits: StructuralHit[] = [];
  for (const call of root.findAll({
    rule: {
      any: [
        { pattern: 'eval($A)' },
        { pattern: 'new Function($$$)' },
        { pattern: 'vm.runInNewContext($$$)' },
        { pattern: 'vm.runInThisContext($$$)' },
      ],
    },
  })) {
    const arg = call.getMatch('A');
    if (call.text().startsWith('eval') && !dynamicArg(arg)) continue;
    hits.push(
      hit(call, {
        ruleId: 'risky.eval',
        severity: 'high',
        confidence: 'high',
        message: 'Code evaluated at run time (eval / new Function / vm)',
        fixHint: 'Never evaluate strings as code; parse the data (JSON.parse) or use a lookup table.',
      }),
    );
  }
  const shell = {
    ruleId: 'risky.shell_injection',
    severity: 'high' as const,
    confidence: 'high' as const,
    message: 'A shell command built from variables (shell injection)',
    fixHint: 'Use execFile/spawn with an argument array and no shell, and validate the arguments.',
  };
  for (const call of root.findAll({
    rule: {
      any: [
        { pattern: '$F($CMD, $$$)' },
        { pattern: '$F($CMD)' },
        { pattern: '$O.$F($CMD, $$$)' },
        { pattern: '$O.$F($CMD)' },
      ],
    },
  })) {
    const fn = call.getMatch('F')?.text();
    if (fn && ['exec', 'execSync'].includes(fn) && dynamicArg(call.getMatch('CMD'))) hits.push(hit(call, shell));
  }
  for (const opt of root.findAll({
    rule: { pattern: 'shell: true', inside: { kind: 'call_expression', stopBy: 'end' } },
  }))
    hits.push(hit(opt, shell));
  return hits;
}

function transport(root: SgNode): StructuralHit[] {
  const tls = {
    ruleId: 'risky.tls_disabled',
    severity: 'high' as const,
    confidence: 'high' as const,
    message: 'TLS certificate verification is disabled',
    fixHint: 'Keep verification on; trust a private CA with the `ca` option (or NODE_EXTRA_CA_CERTS) instead.',
  };
  const hits = root
    .findAll({
      rule: {
        any: [
          { kind: 'pair', regex: String.raw`^['"]?(rejectUnauthorized|strictSSL)['"]?\s*:\s*(false|0)$` },
          { kind: 'assignment_expression', regex: 'NODE_TLS_REJECT_UNAUTHORIZED' },
        ],
      },
    })
    .filter((n) => !/=\s*['"`]?1['"`]?\s*$/.test(n.text()))
    .map((n) => hit(n, tls));
  for (const call of root.findAll({ rule: { pattern: 'cors($OPTS)' } })) {
    const text = call.text();
    if (/credentials\s*:\s*true/.test(text) && /origin\s*:\s*(['"`]\*['"`]|true)/.test(text)) {
      hits.push(
        hit(call, {
          ruleId: 'risky.cors_wildcard_credentials',
          severity: 'high',
          confidence: 'high',
          message: 'CORS allows any origin with credentials',
          fixHint: 'List the allowed origins explicitly when credentials are allowed.',
        }),
      );
    }
  }
  for (const call of root.findAll({
    rule: { any: [{ pattern: 'createHash($ALG)' }, { pattern: '$C.createHash($ALG)' }] },
  })) {
    const alg = call.getMatch('ALG')?.text() ?? '';
    const scope = call.parent()?.parent()?.parent()?.text() ?? call.text();
    if (/['"`](md5|sha1)['"`]/i.test(alg) && /pass(word|wd)?|pwd|credential/i.test(scope)) {
      hits.push(
        hit(call, {
          ruleId: 'risky.weak_password_hash',
          severity: 'high',
          confidence: 'high',
          message: 'A password hashed with a fast, broken hash (MD5/SHA-1)',
          fixHint: 'Use a password hash: argon2id, scrypt (crypto.scrypt) or bcrypt, with a per-user salt.',
        }),
      );
    }
  }
  for (const n of root.findAll({
    rule: { kind: 'pair', regex: String.raw`^['"]?(csrf|csrfProtection)['"]?\s*:\s*false$` },
  })) {
    hits.push(
      hit(n, {
        ruleId: 'risky.csrf_disabled',
        severity: 'high',
        confidence: 'high',
        message: 'CSRF protection is disabled',
        fixHint: 'Keep CSRF protection on for cookie-authenticated state changes.',
      }),
    );
  }
  return hits;
}

/** Every structural finding in a JS/TS file; `undefined` when the language has no structural rules. */
export function structuralHits(path: string, content: string): StructuralHit[] | undefined {
  const lang = langOf(path);
  if (lang === undefined) return undefined;
  const root = parse(lang, content).root();
  return [...execution(root), ...sqlInjection(root), ...transport(root)];
}
