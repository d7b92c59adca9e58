// The GitHub App as a Void module: the outbound client is the `vcs` port it provides when the App credentials are set;
// the webhook route and the GitHub chat port come with GITHUB_WEBHOOK_SECRET. Its webhooks tell the pull request
// listeners (set up first) and reach approvals through a deferred (approvals needs the VCS at set-up).
import { VoidError } from '../../bot/core/errors.js';
import { parseGithubIdentity } from '../../bot/core/registry.js';
import type { ModuleContext, ModuleContribution, NeededPorts, VoidModule } from '../../bot/core/module.js';
import type { AuditLog } from '../../bot/core/audit.js';
import type { JobSubmitter } from '../../bot/core/jobs.js';
import { GithubChatPort } from './chat.js';
import { GithubClient } from './client.js';
import { Background, GithubEventHandler } from './events.js';
import type { OctokitTuning } from './octokit.js';
import { githubWebhook, handleQueued } from './receiver.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/**
 * GitHub's web address for an API URL: api.github.com → github.com; GitHub Enterprise https://host/api/v3 →
 * https://host.
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`;
}
/** GitHub caps webhook payloads at 25 MB; pull request payloads are far smaller. */
const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
/** How long a stopping process keeps posting answers it has not posted yet. */
const SHUTDOWN_WAIT_MS = 5_000;

export interface GithubModuleOptions {
  /** Test hook: shorter rate-limit and retry pauses (the behaviour is the same). */
  readonly tuning?: OctokitTuning;
}

/** The part of the environment the module reads. */
export interface GithubEnv {
  readonly GITHUB_APP_ID?: number | undefined;
  readonly GITHUB_PRIVATE_KEY?: string | undefined;
  readonly GITHUB_WEBHOOK_SECRET?: string | undefined;
  readonly GITHUB_API_URL?: string | undefined;
  readonly VOID_DEDUPE_TTL_SECONDS: number;
  readonly VOID_MAX_BODY_BYTES: number;
  readonly VOID_MAX_COMMENT_AGE_SECONDS: number;
}

type GithubConfig = { readonly env: GithubEnv };

const NEEDS = { approvals: 'deferred', pullRequestListeners: 'optional' } as const;

export interface GithubModule extends VoidModule<GithubConfig, AuditLog, JobSubmitter, typeof NEEDS> {
  /** Resolves when every reaction, reply and listener call started by a webhook has finished. */
  idle(): Promise<void>;
  /** The client built in setup (when the App credentials are set). */
  client(): GithubClient | undefined;
}

export function createGithubModule(options: GithubModuleOptions = {}): GithubModule {
  const background = new Background();
  let client: GithubClient | undefined;
  let intake: ModuleContext['intake'] | undefined;
  return {
    name: 'github',
    idle: async () => {
      await intake?.settled();
      await background.idle();
    },
    client: () => client,
    needs: NEEDS,
    provides: ['vcs'],
    async setup(ctx: ModuleContext<GithubConfig>, ports: NeededPorts<typeof NEEDS>): Promise<ModuleContribution> {
      const env = ctx.config.env;
      const log = ctx.log.child({ module: 'github' });
      if (!env.GITHUB_APP_ID || !env.GITHUB_PRIVATE_KEY) {
        if (env.GITHUB_WEBHOOK_SECRET) {
          throw new VoidError(
            'config.github_incomplete',
            'GITHUB_WEBHOOK_SECRET is set but GITHUB_APP_ID and GITHUB_PRIVATE_KEY are not: ' +
              'Void could verify webhooks but never answer on GitHub. Set all three (docs/github.md).',
          );
        }
        return {};
      }
      const apiUrl = env.GITHUB_API_URL ?? DEFAULT_GITHUB_API_URL;
      const gh = new GithubClient(
        { appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_PRIVATE_KEY, baseUrl: apiUrl, webUrl: githubWebUrl(apiUrl) },
        ctx.registry,
        log,
        options.tuning,
      );
      client = gh;
      // Approvers are @mentioned by their GitHub login (from the tenants file), so that GitHub notifies them.
      const loginsOf = (tenantId: string, memberId: string) =>
        (ctx.registry.memberById(tenantId, memberId)?.identities.github ?? []).map((e) => parseGithubIdentity(e).login);
      const chat = new GithubChatPort(gh, ctx.redis, ctx.prefix, { loginsOf, webUrl: githubWebUrl(apiUrl) });
      const secret = env.GITHUB_WEBHOOK_SECRET;
      const close = () => background.drain(SHUTDOWN_WAIT_MS, log);
      if (!secret) return { provides: { vcs: gh }, chatPorts: { github: chat }, close };
      const handler = new GithubEventHandler({
        registry: ctx.registry,
        dispatcher: () => ctx.dispatcher(),
        client: gh,
        chat,
        approvals: () => ports.approvals.get(),
        pullRequestListeners: ports.pullRequestListeners ?? [],
        background,
      });
      const route = githubWebhook({
        secret,
        audit: ctx.audit,
        ledger: ctx.ledger(env.VOID_DEDUPE_TTL_SECONDS),
        handler,
        maxCommentAgeSeconds: env.VOID_MAX_COMMENT_AGE_SECONDS,
        intake: ctx.intake,
        dedupeWindowMs: env.VOID_DEDUPE_TTL_SECONDS * 1000,
      });
      intake = ctx.intake;
      ctx.intake.register('github', (item, attempt) => handleQueued(handler, item, attempt, log));
      return {
        provides: { vcs: gh },
        chatPorts: { github: chat },
        routes: (http) => {
          http.inbound('/github/webhooks', route, { maxBytes: Math.max(MAX_WEBHOOK_BYTES, env.VOID_MAX_BODY_BYTES) });
        },
        close,
      };
    },
  };
}

export const githubModule: GithubModule = createGithubModule();
