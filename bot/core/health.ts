// The health of a platform credential (a Teams app password refused, a login host that does not answer), as modules
// report it: /readyz shows it under `platforms`, `void doctor` and the dashboard's system page read the same.
export interface PlatformHealth {
  readonly status: 'unknown' | 'ok' | 'failing';
  readonly reason?: string;
  readonly message?: string;
  readonly since?: string;
  readonly lastSuccessAt?: string;
}
