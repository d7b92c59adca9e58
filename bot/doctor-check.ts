// What one `void doctor` check answers: a name, a status, what was found and how to fix it. A file of its own so
// that the command, the infrastructure checks and the platform checks share it without importing one another.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

export const check = (name: string, status: CheckStatus, detail: string, fix?: string): Check =>
  fix ? { name, status, detail, fix } : { name, status, detail };
export const TIMEOUT_MS = 5_000;
