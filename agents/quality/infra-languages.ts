// Rules for the languages the structural engine does not parse (Python, Go, Java, Ruby): transport security (TLS
// verification turned off), SQL built by concatenation, CSRF protection switched off. Line patterns, like the
// infrastructure rules in infra.ts, kept apart from them because they concern application code, not pipelines.
import { linesMatching, rule, type FileRule } from './file-rule.js';

export const TLS_MESSAGE = 'TLS certificate verification is disabled';
const TLS_FIX = 'Keep verification on; trust a private CA (a CA bundle) instead of turning checks off.';
/** A trust manager or hostname verifier that accepts everything. */
const JAVA_TRUST_ALL = new RegExp(
  [
    String.raw`X509TrustManager\s*\(\)|TrustAllCerts|trustAll`,
    'NoopHostnameVerifier|ALLOW_ALL_HOSTNAME_VERIFIER',
    String.raw`setHostnameVerifier\(\s*\(\w+,\s*\w+\)\s*->\s*true`,
  ].join('|'),
);
/** A query call whose first argument is a string literal with SQL in it, followed by `+`. */
const JAVA_SQL_CONCATENATION = new RegExp(
  String.raw`(executeQuery|executeUpdate|execute|createQuery|createNativeQuery)\(` +
    String.raw`\s*"[^"]*(SELECT|INSERT|UPDATE|DELETE)[^"]*"\s*\+`,
  'i',
);

export const LANGUAGES: FileRule[] = [
  rule('python', 'risky.tls_disabled', 'high', TLS_MESSAGE, TLS_FIX, (c) =>
    linesMatching(c, /\bverify\s*=\s*False\b|_create_unverified_context|CERT_NONE|check_hostname\s*=\s*False/),
  ),
  rule(
    'python',
    'risky.sql_concatenation',
    'high',
    'SQL built by string formatting (SQL injection)',
    'Pass parameters to execute() instead of formatting them into the query.',
    (c) => linesMatching(c, /\.execute\(\s*(f["']|["'][^"']*["']\s*(%|\.format\(|\+))/),
  ),
  rule(
    'python',
    'risky.eval',
    'high',
    'Code evaluated at run time (eval / exec / pickle of input)',
    'Never evaluate input; parse it (json, ast.literal_eval).',
    (c) => linesMatching(c, /(^|[^\w.])(eval|exec)\s*\((?!\s*["'])|pickle\.loads?\(|yaml\.load\((?![^)]*SafeLoader)/),
  ),
  rule(
    'python',
    'risky.shell_injection',
    'high',
    'A shell command built from variables (shell injection)',
    'Use subprocess.run with an argument list and shell=False.',
    (c) => linesMatching(c, /\bos\.system\s*\(|subprocess\.\w+\([^)]*shell\s*=\s*True/),
  ),
  rule(
    'python',
    'risky.csrf_disabled',
    'high',
    'CSRF protection is disabled',
    'Keep CSRF protection on for state-changing views.',
    (c) => linesMatching(c, /@csrf_exempt|WTF_CSRF_ENABLED\s*=\s*False/),
  ),
  rule(
    'python',
    'risky.weak_password_hash',
    'high',
    'A password hashed with a fast, broken hash (MD5/SHA-1)',
    'Use argon2, scrypt or bcrypt.',
    (c) => linesMatching(c, /hashlib\.(md5|sha1)\([^)]*pass/i),
  ),
  rule('go', 'risky.tls_disabled', 'high', TLS_MESSAGE, TLS_FIX, (c) =>
    linesMatching(c, /InsecureSkipVerify\s*:\s*true/),
  ),
  rule(
    'go',
    'risky.sql_concatenation',
    'high',
    'SQL built by string formatting (SQL injection)',
    'Use placeholders ($1, ?) and pass the values to Query/Exec.',
    (c) =>
      linesMatching(
        c,
        /\.(Query|Exec|QueryRow)(Context)?\([^)]*fmt\.Sprintf\(|\.(Query|Exec|QueryRow)(Context)?\([^)]*"\s*\+/,
      ),
  ),
  rule('java', 'risky.tls_disabled', 'high', TLS_MESSAGE, TLS_FIX, (c) => linesMatching(c, JAVA_TRUST_ALL)),
  rule(
    'java',
    'risky.csrf_disabled',
    'high',
    'CSRF protection is disabled',
    'Keep CSRF protection on for cookie-authenticated endpoints.',
    (c) =>
      linesMatching(
        c,
        /csrf\(\)\s*\.disable\(\)|csrf\(\s*\w+\s*->\s*\w+\.disable\(\)\)|AbstractHttpConfigurer::disable/,
      ),
  ),
  rule(
    'java',
    'risky.sql_concatenation',
    'high',
    'SQL built by string concatenation (SQL injection)',
    'Use a PreparedStatement with ? placeholders.',
    (c) => linesMatching(c, JAVA_SQL_CONCATENATION),
  ),
  rule('ruby', 'risky.csrf_disabled', 'high', 'CSRF protection is disabled', 'Keep protect_from_forgery on.', (c) =>
    linesMatching(c, /skip_before_action\s+:verify_authenticity_token|protect_from_forgery\s+.*:null_session/),
  ),
];
