// One pino root per process; units of work take child loggers ({ tenant, deliveryId, jobId }).
// Secrets are removed three ways: by key at any depth (a `token`, `botToken`, `clientSecret`, `password`, … field
// anywhere in a logged object), by value (every configured secret, and every secret Void obtains at run time, such as
// GitHub installation tokens and decrypted Slack tokens, registered with registerSecret()), and by shape (the
// `user:password@` part of any URL), so that a token that slips into an error message still never reaches the log.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'body',
  '*.body',
  'text',
  '*.text',
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
];

/** Field names whose values are never logged, at any depth (case-insensitive). */
const SECRET_KEY = new RegExp(
  [
    '^(?:authorization|cookie|set-cookie|body|text|api[-_]?key|private[-_]?key|credentials?)$', // these names
    '(?:token|secret|password|passwd)$', // and any name ending so
  ].join('|'),
  'i',
);
const MAX_DEPTH = 8;
/** Runtime secrets kept for scrubbing (installation tokens rotate hourly): the newest this many. */
const MAX_RUNTIME_SECRETS = 2_000;

const runtimeSecrets = new Set<string>();
let runtimeVersion = 0;

/**
 * Registers a secret obtained at run time (a GitHub installation token, a decrypted Slack token) with every scrubber.
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < 8 || runtimeSecrets.has(value)) return;
  runtimeSecrets.add(value);
  if (runtimeSecrets.size > MAX_RUNTIME_SECRETS) runtimeSecrets.delete(runtimeSecrets.values().next().value as string);
  runtimeVersion += 1;
}

/** A URL shown to an operator (`void doctor`) without its credentials: `smtp://user:pass@host` → `smtp://***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** `scheme://user:password@host` → `scheme://***@host` (Redis, MongoDB, proxy URLs in error messages). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s/@:"'<>]*:[^\s/@"'<>]+@/gi;

export function scrubber(secrets: readonly string[]): (line: string) => string {
  const fixed = [...new Set(secrets.filter((s) => s.length >= 4))];
  let version = -1;
  /** Each secret, and its JSON-escaped form where that differs: worked out once per set of secrets, not per line. */
  let forms: string[] = [];
  return (line) => {
    if (version !== runtimeVersion) {
      const values = [...new Set([...fixed, ...runtimeSecrets])].sort((a, b) => b.length - a.length);
      forms = values.flatMap((value) => {
        const json = JSON.stringify(value).slice(1, -1);
        return json === value ? [value] : [value, json];
      });
      version = runtimeVersion;
    }
    let out = line.includes('://') ? line.replace(URL_CREDENTIALS, '$1***@') : line;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
    return out;
  };
}

/** A copy of a logged object with every secret-named field replaced, at any depth. Errors are left to the `err`
 *  serializer below, which does the same to their own fields. */
export function redactKeys(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactKeys(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null ? '[REDACTED]' : redactKeys(v, depth + 1);
  return out;
}

function serializeError(error: Error): unknown {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const [key, v] of Object.entries(serialized)) {
    if (key !== 'stack' && key !== 'message' && key !== 'type')
      serialized[key] = SECRET_KEY.test(key) && v !== undefined && v !== null ? '[REDACTED]' : redactKeys(v, 1);
  }
  return serialized;
}

export function createLogger(options: {
  level: string;
  secrets?: readonly string[];
  destination?: DestinationStream;
}): Logger {
  const scrub = scrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: { service: 'void' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { log: (object) => redactKeys(object) as Record<string, unknown> },
      hooks: { streamWrite: scrub },
      serializers: { err: serializeError },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/**
 * `log.child(bindings)`, made when first used: pino serialises a child's bindings when it is created (about 10 µs),
 * and most commands and acks never log anything through their context's logger.
 */
export function lazyChild(log: Logger, bindings: Record<string, unknown>): Logger {
  return new Proxy({} as Logger, new LazyChild(log, bindings));
}

/** The proxy's handler: a class, not closures per call (tsx's keepNames would name each closure at every call). */
class LazyChild implements ProxyHandler<Logger> {
  private real: Logger | undefined;

  constructor(
    private readonly log: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  private target(): Logger {
    return (this.real ??= this.log.child(this.bindings));
  }

  get(_: Logger, prop: string | symbol): unknown {
    const value = Reflect.get(this.target(), prop) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(this.target()) : value;
  }

  set(_: Logger, prop: string | symbol, value: unknown): boolean {
    return Reflect.set(this.target(), prop, value);
  }

  has(_: Logger, prop: string | symbol): boolean {
    return Reflect.has(this.target(), prop);
  }
}
