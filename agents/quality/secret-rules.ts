// Void's own secret rules: only the credential kinds and forms that secretlint's recommended preset has no rule
// for, or finds in too few forms (see docs/agents.md, "The secret engine"). Each rule captures the credential's value
// in the group named `v`, so that a span covers the value (and nothing else) and can be redacted.
import { shannonEntropy } from './entropy.js';

export type Confidence = 'high' | 'verify';

export interface SecretRule {
  readonly kind: string;
  readonly pattern: RegExp;
  readonly confidence: Confidence;
  /** Extra check on the captured value (entropy, structure). */
  readonly accept?: (value: string, match: RegExpMatchArray) => boolean;
}

const B64_CHARS = String.raw`[A-Za-z0-9/+]`;
const CONNECT = String.raw`['"]?\s*(?:=>|:=|=|:)\s*`;
/** Words in a name that say its value is a credential. */
const CREDENTIAL_WORDS = [
  'passw(?:or)?d',
  'passwd',
  'pwd',
  'secret',
  'token',
  'api[_-]?key',
  'apikey',
  'access[_-]?key',
  'private[_-]?key',
  'client[_-]?secret',
  'auth[_-]?token',
  'credentials?',
];
const CREDENTIAL_NAME = `(?:${CREDENTIAL_WORDS.join('|')})`;
/** Words that, ending a name, say its value is about a credential, not one (`token_prefix = …`, `secret_path: …`). */
const NOT_CREDENTIAL_WORDS = [
  'prefix|suffix|name|names|label|field|header|type|length|len',
  'url|uri|path|file|id|ids|hint|regex|pattern|format',
  'ttl|expiry|expires|key_?id|cache|policy|endpoint|env|var',
];
const NOT_CREDENTIAL_NAME = new RegExp(String.raw`(?:_|\b)(?:${NOT_CREDENTIAL_WORDS.join('|')})${CONNECT}$`, 'i');

/** A JWT's header must decode to JSON naming an algorithm or a type. */
function jwtHeader(value: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(value.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const claims = Buffer.from(value.split('.')[1] ?? '', 'base64url').toString('utf8');
    return (
      typeof header === 'object' &&
      header !== null &&
      ('alg' in header || 'typ' in header) &&
      claims.trimStart().startsWith('{')
    );
  } catch {
    return false;
  }
}

/** The value of a generic `password = …` assignment: random enough, and not words joined by dashes. */
export function looksRandom(value: string, minEntropy: number): boolean {
  if (value.length < 8) return false;
  if (/^[a-z]+(?:[-_.][a-z0-9]+)+$/i.test(value) && !/\d{3,}/.test(value)) return false; // user-session-token-cache-v2
  if (/^(?:true|false|null|none|undefined|required|optional)$/i.test(value)) return false;
  // references, not values
  if (/^\$|^%|^process\.env|^os\.environ|^env\(|^getenv|^\{\{|^<|\($/.test(value)) return false;
  // camelCase names
  if (/^[a-z]{2,}(?:[A-Z][a-z]{2,})+$/.test(value) || /^[A-Z][a-z]{2,}(?:[A-Z][a-z]{2,})+$/.test(value)) return false;
  // subresource integrity, URLs (their own rule)
  if (/^sha(?:1|256|384|512)-/.test(value) || value.includes('://')) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false; // a UUID: an id
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((c) => c.test(value)).length;
  return classes >= 2 && shannonEntropy(value) >= minEntropy;
}

/** GitLab's token forms, by prefix. */
const GITLAB_TOKENS = [
  '(?:glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_-]{20,50}', // personal, deploy, feed, SCIM, runner
  'glcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_-]{20,50}', // CI/CD job
  'glimt-[A-Za-z0-9_-]{25}', // incoming mail
  'glptt-[A-Za-z0-9_-]{40}', // pipeline trigger
  'glagent-[A-Za-z0-9_-]{50,1024}', // agent for Kubernetes
  'gloas-[A-Za-z0-9_-]{64}', // OAuth application secret
];
/** A PEM private key: its BEGIN line (the type in group `t`), the body, and the END line of the same type or the end
 *  of the text (a key cut short is still a key). */
const PEM_BEGIN = '-----BEGIN (?<t>(?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----';
const PEM_BODY = String.raw`(?<body>[\s\S]{0,12000}?)`;
const PEM_END = String.raw`(?:-----END \k<t>-----|(?![\s\S]))`;

export const VOID_SECRET_RULES: readonly SecretRule[] = [
  // secretlint scans access key ids only with `enableIDScanRule`, and then reports IAM unique ids (AIDA…, AROA…) too.
  {
    kind: 'aws_access_key',
    pattern: /(?<![A-Za-z0-9])(?<v>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])/g,
    confidence: 'high',
  },
  // secretlint requires the exact name AWS_SECRET_ACCESS_KEY; YAML, INI and code use many spellings.
  {
    kind: 'aws_secret_key',
    pattern: new RegExp(
      String.raw`(?:aws[\w.-]{0,30}?secret|secret_?access_?key)[\w.-]{0,20}${CONNECT}` + // the name, then
        String.raw`['"]?(?<v>${B64_CHARS}{40})(?![A-Za-z0-9/+=])`, // 40 base64 characters
      'gi',
    ),
    confidence: 'high',
  },
  // GitLab's token prefixes and lengths as detect-secrets' plugin knows them (secretlint's preset has no GitLab rule).
  {
    kind: 'gitlab_token',
    pattern: new RegExp(String.raw`(?<![\w-])(?<v>${GITLAB_TOKENS.join('|')})(?![\w-])`, 'g'),
    confidence: 'high',
  },
  // GitHub App installation tokens in their newer form (ghs_<id>_<JWT>), which secretlint's GitHub rule predates.
  { kind: 'github_token', pattern: /(?<![\w-])(?<v>ghs_\d+_eyJ[\w-]+\.[\w-]+\.[\w-]+)/g, confidence: 'high' },
  { kind: 'slack_token', pattern: /(?<![\w-])(?<v>xoxs-\d+-\d+-\d+-[0-9a-f]{8,})(?![\w-])/g, confidence: 'high' },
  // OpenAI's shorter project-key form (secretlint knows the long one), and .npmrc auth lines in any file.
  {
    kind: 'openai_key',
    pattern: /(?<![\w-])(?<v>sk-(?:proj|svcacct|admin)-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])/g,
    confidence: 'high',
  },
  {
    kind: 'npm_token',
    pattern: /\/\/[\w.-]+(?::\d+)?\/(?:[\w.-]+\/)*:_authToken=\s*(?<v>[^\s$'"]{8,})/g,
    confidence: 'high',
  },
  { kind: 'sendgrid_key', pattern: /(?<![\w-])(?<v>SG\.[\w-]{22}\.[\w-]{43})(?![\w-])/g, confidence: 'high' },
  { kind: 'gitlab_token', pattern: /(?<![\w-])(?<v>GR1348941[A-Za-z0-9_-]{20,50})(?![\w-])/g, confidence: 'high' },
  {
    kind: 'stripe_key',
    pattern: /(?<![\w-])(?<v>(?:sk|rk)_live_[A-Za-z0-9]{20,99})(?![A-Za-z0-9])/g,
    confidence: 'high',
  },
  { kind: 'gcp_api_key', pattern: /(?<![\w-])(?<v>AIza[0-9A-Za-z_-]{35})(?![\w-])/g, confidence: 'high' },
  // Azure AD client secrets carry `~`, which no literal pattern of a generic scanner allows.
  {
    kind: 'azure_client_secret',
    pattern: /(?<![\w~.-])(?<v>[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![\w~.-])/g,
    confidence: 'high',
  },
  {
    kind: 'jwt',
    pattern: /(?<![\w-])(?<v>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{10,})?)(?![\w-])/g,
    confidence: 'high',
    accept: jwtHeader,
  },
  { kind: 'twilio_key', pattern: /(?<![A-Za-z0-9])(?<v>SK[0-9a-f]{32})(?![A-Za-z0-9])/g, confidence: 'high' },
  {
    kind: 'mailchimp_key',
    pattern: /(?<![A-Za-z0-9])(?<v>[0-9a-f]{32}-us\d{1,2})(?![A-Za-z0-9])/g,
    confidence: 'high',
  },
  // Every PEM private key: RSA, EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8 and PEM-encrypted (Proc-Type), PGP.
  {
    kind: 'private_key',
    pattern: new RegExp(`(?<v>${PEM_BEGIN}${PEM_BODY}${PEM_END})`, 'g'),
    confidence: 'high',
    accept: (_v, m) => {
      const body = (m.groups?.body ?? '').replace(/^\s*(?:Proc-Type|DEK-Info|Version|Comment|Hash):.*$/gm, '');
      // Key material, not a placeholder: at least 60 base64 characters (an Ed25519 PKCS#8 body has 64).
      return (body.replace(/\\n/g, '\n').match(/[A-Za-z0-9+/=]{16,}/g) ?? []).join('').length >= 60;
    },
  },
  // Credentials inside any URL (secretlint's own rule knows http(s)/ftp with a short top-level domain).
  {
    kind: 'url_credentials',
    pattern: /(?<![\w+.-])[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{1,64}:(?<v>[^\s:/@'"]{4,128})@[\w.-]+/gi,
    confidence: 'high',
    accept: (v, m) => !placeholderUrl(m[0]) && !/^(?:mypassword|(.)\1{3,})$/i.test(v) && !/^\$|^%|^\{/.test(v),
  },
  {
    kind: 'authorization_header',
    pattern: /Authorization['"]?\s*[:=]\s*['"]?(?:Bearer|Basic|token)\s+(?<v>[A-Za-z0-9._~+/=-]{16,})/gi,
    confidence: 'high',
    accept: (v) => looksRandom(v, 3.0),
  },
  // `password = …`, `API_TOKEN=…`, `secret: …`, `"client_secret": "…"`: quoted or not. A heuristic: verify,
  // never block.
  {
    kind: 'generic_credential',
    pattern: new RegExp(
      String.raw`(?<name>[\w.-]{0,40}${CREDENTIAL_NAME}[\w.-]{0,40})${CONNECT}` + // the name, then
        String.raw`(?<q>['"\x60]?)(?<v>[^\s'"\x60,;)}\]]{8,200})\k<q>`, // the value, quoted or not
      'gi',
    ),
    confidence: 'verify',
    accept: (v, m) => {
      const before = (m.input ?? '').slice(0, (m.index ?? 0) + m[0].indexOf(v));
      if (NOT_CREDENTIAL_NAME.test(before.replace(/['"\x60]$/, ''))) return false;
      // A name of a kind with a known format (AWS secret keys: 40 characters) is left to that kind's rule.
      if (/aws.*secret|secret_?access_?key/i.test(m.groups?.name ?? '') && v.length !== 40) return false;
      return looksRandom(v, /^[0-9a-f]+$/i.test(v) ? 3.0 : 3.3);
    },
  },
];

const URL_PARTS = /^[a-z][a-z0-9+.-]*:\/\/(?<user>[^\s:/@]*):(?<pass>[^\s/@]*)@(?<host>[^\s/:?#]+)/i;
const LOCAL_HOST = /^([\w.-]*\.(example|invalid)|example\.(com|org|net))$/i; // RFC 2606 documentation names

/** A URL's credentials that are documentation, not secrets: user = password, a local or documentation host. */
function placeholderUrl(value: string): boolean {
  const parts = URL_PARTS.exec(value)?.groups;
  if (!parts) return false;
  const { user = '', pass = '', host = '' } = parts;
  return user === pass || LOCAL_HOST.test(host) || isPlaceholder(pass) || /^(password|pass|pwd|secret)$/i.test(pass);
}

/** What marks a value as an example: the word, filler runs, "put yours here" words, template slots. */
const PLACEHOLDER_MARK = new RegExp(
  [
    String.raw`example|x{5,}|X{5,}|\*{3,}|\.{3,}|0{8,}`,
    'your[_-]|placeholder|changeme|change_me|dummy|redacted|REPLACE_',
    String.raw`<[^>]*>|\$\{|\{\{`,
  ].join('|'),
  'i',
);

/** Documented example and placeholder values: never reported, whatever the rule. */
export function isPlaceholder(value: string, kind = ''): boolean {
  if (kind === 'private_key' || kind === 'gcp_service_account') return false; // the rules validate the key material
  if (kind === 'url_credentials' || kind === 'database_url')
    return URL_PARTS.test(value) ? placeholderUrl(value) : isPlaceholder(value);
  if (/^aws_/.test(kind) && /EXAMPLE(KEY)?$/.test(value)) return true;
  const body = value.replace(
    /^(?:AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|sk_live_|rk_live_|sk-(?:proj-|ant-)?|xox[abpors]-|AIza|npm_)/,
    '',
  );
  if (PLACEHOLDER_MARK.test(body.replace(/EXAMPLE$/, ''))) return true;
  if (/abcdefgh|ABCDEFGH/.test(body)) return true;
  const letters = body.replace(/[^A-Za-z0-9]/g, '');
  return letters.length >= 8 && new Set(letters).size <= 3; // ZZZZZZZZ, abababab
}
