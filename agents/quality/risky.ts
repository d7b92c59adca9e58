// Debug leftovers and risky calls: eval, shell commands built from input, SQL built by concatenation.
import type { LineRule } from './types.js';

const SCRIPTS = /(^|\/)(scripts?|bin|tools|examples?)\/|\.test\.|\.spec\.|(^|\/)test(s)?\//;

export const DEBUG_RULES: readonly LineRule[] = [
  {
    id: 'debug.console',
    severity: 'low',
    message: 'Debug output left in the code (console.log/debug/trace)',
    fixHint: 'Remove it, or use the project logger at debug level.',
    skipPath: SCRIPTS,
    test: (t) => /\bconsole\.(log|debug|trace|dir)\s*\(/.test(t) && !/^\s*(\/\/|\*)/.test(t),
  },
  {
    id: 'debug.breakpoint',
    severity: 'medium',
    message: 'A debugger breakpoint left in the code',
    fixHint: 'Remove the breakpoint before merging.',
    test: (t) => /^\s*debugger\s*;?\s*$|\b(pdb|ipdb)\.set_trace\(\)|^\s*breakpoint\(\)|\bbinding\.pry\b/.test(t),
  },
  {
    id: 'debug.print',
    severity: 'low',
    message: 'Debug print left in the code',
    fixHint: 'Remove it, or use the project logger.',
    skipPath: SCRIPTS,
    test: (t) => /\b(System\.out\.println|fmt\.Println|var_dump|print_r)\s*\(/.test(t),
  },
];

const SQL = String.raw`\b(SELECT\s[\s\S]*\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b`;

export const RISKY_RULES: readonly LineRule[] = [
  {
    id: 'risky.eval',
    severity: 'high',
    message: 'Code evaluated at run time (eval / new Function)',
    fixHint: 'Never evaluate strings as code; parse the data (JSON.parse) or use a lookup table.',
    test: (t) => /(^|[^\w.])eval\s*\(|\bnew\s+Function\s*\(/.test(t),
  },
  {
    id: 'risky.shell_injection',
    severity: 'high',
    message: 'A shell command built from variables (shell injection)',
    fixHint: 'Use execFile/spawn with an argument array and no shell, and validate the arguments.',
    test: (t) =>
      /\b(exec|execSync|spawnSync|spawn)\s*\(\s*(`[^`]*\$\{|['"][^'"]*['"]\s*\+)/.test(t) ||
      /\bos\.system\s*\(|subprocess\.\w+\([^)]*shell\s*=\s*True/.test(t) ||
      /\bshell\s*:\s*true\b/.test(t),
  },
  {
    id: 'risky.sql_concatenation',
    severity: 'high',
    message: 'SQL built by string concatenation or interpolation (SQL injection)',
    fixHint: 'Use a parameterised query (placeholders such as $1 or ?) and pass the values separately.',
    test: (t) =>
      new RegExp(`${SQL}[^+]*['"\`]\\s*\\+\\s*[\\w(]`, 'i').test(t) ||
      new RegExp(`\`[^\`]*${SQL}[^\`]*\\$\\{`, 'i').test(t) ||
      new RegExp(`f['"][^'"]*${SQL}[^'"]*\\{`, 'i').test(t),
  },
];
