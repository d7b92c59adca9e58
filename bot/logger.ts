// One pino root per process; units of work take child loggers ({ tenant, deliveryId, jobId }).
// Secrets are removed twice: by key (redact paths) and by value (every configured secret is scrubbed from the
// final line), so a token that slips into an error message still never reaches the log.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'token', '*.token', 'secret', '*.secret', 'password', '*.password', 'authorization', '*.authorization',
  'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'body', '*.body', 'text', '*.text',
  'apiKey', '*.apiKey', 'privateKey', '*.privateKey',
];

export function scrubber(secrets: readonly string[]): (line: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (!values.length) return (line) => line;
  return (line) => {
    let out = line;
    for (const value of values) {
      if (out.includes(value)) out = out.split(value).join('[REDACTED]');
      const json = JSON.stringify(value).slice(1, -1);
      if (json !== value && out.includes(json)) out = out.split(json).join('[REDACTED]');
    }
    return out;
  };
}

export function createLogger(options: { level: string; secrets?: readonly string[]; destination?: DestinationStream }): Logger {
  const scrub = scrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: { service: 'void' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: scrub },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
