// One Octokit per App installation: App authentication (installation tokens cached by @octokit/auth-app until they
// expire), the throttling plugin (primary and secondary rate limits, at least 60 s for a secondary limit unless
// GitHub says otherwise) and the retry plugin (5xx with growing delays). Errors leave here as VoidErrors.
import { createAppAuth } from '@octokit/auth-app';
import { registerSecret } from '../../bot/core/logger.js';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { VoidError } from '../../bot/core/errors.js';
import type { Logger } from '../../bot/core/logger.js';

export const ThrottledOctokit = Octokit.plugin(throttling, retry);
export type GithubApi = InstanceType<typeof ThrottledOctokit>;

export interface OctokitTuning {
  /** Milliseconds per second of GitHub's `retry-after` (1000 in production; tests shrink it). */
  readonly rateLimitBaseMs?: number;
  /** A secondary rate limit pauses at least this long when GitHub gives no `retry-after` (GitHub asks for 60 s). */
  readonly secondaryWaitSeconds?: number;
  /** Milliseconds per unit of the retry plugin's quadratic backoff (1, 4, 9 …): 1000 in production. */
  readonly retryBaseMs?: number;
  readonly retries?: number;
  /** Rate-limited requests are retried this many times before the error reaches the job. */
  readonly rateLimitRetries?: number;
  /** Tests only: the plugin also spaces writes by 1-3 s, which would slow every test (PLATFORM-NOTES.md). */
  readonly throttleEnabled?: boolean;
}

export interface AppCredentials {
  readonly appId: number;
  readonly privateKey: string;
  readonly baseUrl: string;
  /** GitHub's web address (links people open); default https://github.com. */
  readonly webUrl?: string | undefined;
}

/** GitHub hands out the key with real newlines; env files often carry it with `\n` escapes. */
export function normalisePrivateKey(key: string): string {
  return key.includes('\\n') ? key.replace(/\\n/g, '\n') : key;
}

export function createInstallationOctokit(
  creds: AppCredentials,
  installationId: number,
  log: Logger,
  tuning: OctokitTuning = {},
): GithubApi {
  const maxRateRetries = tuning.rateLimitRetries ?? 2;
  const baseMs = tuning.rateLimitBaseMs ?? 1000;
  const minSecondary = tuning.secondaryWaitSeconds ?? 60;
  const api = new ThrottledOctokit({
    authStrategy: createAppAuth,
    auth: { appId: creds.appId, privateKey: normalisePrivateKey(creds.privateKey), installationId },
    baseUrl: creds.baseUrl.replace(/\/+$/, ''),
    userAgent: 'void-chatops',
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => log.debug({ octokit: m }, 'octokit warning'),
      error: (m: string) => log.debug({ octokit: m }, 'octokit error'),
    },
    throttle: {
      enabled: tuning.throttleEnabled ?? true,
      // Bottleneck groups are keyed by id: one installation's pause does not stall the others.
      id: `installation-${installationId}`,
      retryAfterBaseValue: baseMs,
      fallbackSecondaryRateRetryAfter: minSecondary,
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        log.warn(
          { installationId, retryAfter, method: options.method, url: options.url, retryCount },
          'GitHub rate limit reached; pausing this installation',
        );
        return retryCount < maxRateRetries;
      },
      onSecondaryRateLimit: async (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(
          { installationId, retryAfter, method: options.method, url: options.url, retryCount },
          'GitHub secondary rate limit; pausing this installation',
        );
        if (retryCount >= maxRateRetries) return false;
        // The plugin then waits `retryAfter`; together that is at least `minSecondary` seconds.
        if (retryAfter < minSecondary)
          await new Promise((resolve) => setTimeout(resolve, (minSecondary - retryAfter) * baseMs));
        return true;
      },
    },
    retry: { retryAfterBaseValue: tuning.retryBaseMs ?? 1000, retries: tuning.retries ?? 3 },
  });
  // The installation token exchange goes through this Octokit's request hook: its token joins the log scrubber.
  api.hook.after('request', (response) => {
    if (/\/access_tokens$/.test(response.url)) registerSecret((response.data as { token?: string } | undefined)?.token);
  });
  return api;
}

/**
 * A GitHub failure that retrying cannot fix (missing branch, missing permission, protected branch): the job fails at
 * once with this message. The name is BullMQ's: the worker and BullMQ match errors by name across the boundary.
 */
export class GithubPermanentError extends VoidError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UnrecoverableError';
  }
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Turns an Octokit error into a VoidError that says what Void was doing; never carries request headers. */
export function describeFailure(error: unknown, what: string): VoidError {
  if (error instanceof VoidError) return error;
  const status = statusOf(error);
  const githubMessage = String(
    (error as { response?: { data?: { message?: unknown } } })?.response?.data?.message ?? '',
  ).slice(0, 200);
  const detail = githubMessage ? ` (GitHub: ${githubMessage})` : '';
  const cause = new Error(`GitHub answered ${status ?? 'no status'}`);
  if (status === 404)
    return new GithubPermanentError('github.not_found', `${what}: not found on GitHub${detail}`, { cause });
  if ((status === 403 || status === 429) && /rate limit/i.test(githubMessage)) {
    return new VoidError(
      'github.rate_limited',
      `${what}: GitHub's rate limit for this installation was reached; Void will retry later`,
      { cause },
    );
  }
  if (status === 401 || status === 403) {
    return new GithubPermanentError(
      'github.forbidden',
      `${what}: the Void GitHub App is not allowed to do this${detail}`,
      { cause },
    );
  }
  if (status === 422 || status === 409)
    return new GithubPermanentError('github.rejected', `${what}: GitHub refused it${detail}`, { cause });
  return new VoidError(
    'github.unavailable',
    `${what}: GitHub did not answer properly (${status ?? 'network error'}); Void will retry`,
    { cause },
  );
}

/** Runs one GitHub call and maps its failure; `what` names the operation for the person reading the thread. */
export async function call<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw describeFailure(error, what);
  }
}
