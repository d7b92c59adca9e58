// The Teams module: `POST /api/messages` (web role), the Teams ChatPort (every role, so that workers can post
// progress) and the intake handler that runs a queued message's turn (worker roles). Active when MICROSOFT_APP_ID
// is set, or in the explicit local-emulator mode.
import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { SYSTEM_TENANT } from '../../audit/types.js';
import type { Env } from '../config/env.js';
import { checkTeamsConfig } from '../config/teams.js';
import { VoidError } from '../core/errors.js';
import { DeliveryLedger } from '../idempotency.js';
import type { ApprovalsPort } from '../core/approvals.port.js';
import type { ModuleContext, ModuleContribution, VoidModule } from '../modules.js';
import type { InboundRequest } from '../http/server.js';
import type { InboundEndpoint } from '../core/inbound.js';
import type { ChannelCredential } from './receiver.js';
import type { TeamsActivity } from './mapper.js';
import type { Logger } from '../logger.js';
import type { TeamsChatPort } from './client.js';
import type { RunTurn } from './queued.js';
import { legalPages } from './legal.js';
import { BotTokenSource, failureOf, loginAuthority, type CredentialHealth } from './token.js';

/** The credential's health; asks the login host (at most 3 s) when nothing is known yet. */
async function healthNow(tokens: BotTokenSource): Promise<CredentialHealth> {
  if (tokens.health().status !== 'ok')
    await Promise.race([tokens.get({ recent: true }), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  return tokens.health();
}

export const EMULATOR_WARNING =
  'TEAMS_EMULATOR_MODE is on: Bot Framework token validation is OFF and anyone who can reach /api/messages on ' +
  'this loopback address can act as any Teams user. Use it only with the local Bot Framework Emulator.';

/** botbuilder takes a second or two to load: only processes that serve Teams pay for it. */
async function loadRuntime() {
  const [adapter, bot, client, openid, receiver, queued] = await Promise.all([
    import('./adapter.js'),
    import('./bot.js'),
    import('./client.js'),
    import('./openid.js'),
    import('./receiver.js'),
    import('./queued.js'),
  ]);
  return { ...adapter, ...bot, ...client, ...openid, ...receiver, ...queued };
}

/** Void's outbound Teams token (token.ts); a failure is logged once per change of state, as an error. */
function tokenSource(env: Env, log: Logger): BotTokenSource | undefined {
  if (!env.MICROSOFT_APP_ID || !env.MICROSOFT_APP_PASSWORD) return undefined;
  let last: string | undefined;
  return new BotTokenSource(
    {
      authority: loginAuthority(env.MICROSOFT_LOGIN_URL, env.MICROSOFT_APP_TENANT_ID),
      appId: env.MICROSOFT_APP_ID,
      password: env.MICROSOFT_APP_PASSWORD,
      scope: env.MICROSOFT_BOT_OAUTH_SCOPE,
    },
    (failure) => {
      const { refusal } = failure;
      if (refusal.message === last) return;
      last = refusal.message;
      log.error(
        {
          reason: failureOf(refusal),
          status: refusal.code === 'teams.login_unreachable' ? undefined : refusal.params.status,
        },
        `Teams: Void cannot get a token, so every reply to Teams is lost until this is ` +
          `fixed: ${refusal.message}. Run "void doctor"; see /readyz.`,
      );
    },
  );
}

async function wire(
  ctx: ModuleContext,
  approvals: ApprovalsPort | undefined,
  env: Env,
  outbound: BotTokenSource | undefined,
): Promise<{
  chat: TeamsChatPort;
  handler: InboundEndpoint<ChannelCredential | undefined, TeamsActivity, InboundRequest>;
}> {
  const rt = await loadRuntime();
  const settings = rt.teamsSettings(env);
  const log = ctx.log.child({ platform: 'teams' });
  const adapter = new rt.VoidCloudAdapter(env, settings, outbound);
  adapter.onTurnError = async (_context, error) => {
    log.error({ err: { message: error.message, name: error.name } }, 'Teams turn failed');
    throw error;
  };
  const chat = new rt.TeamsChatPort(ctx.redis, ctx.prefix, adapter, log);
  const ledger = new DeliveryLedger(ctx.redis, ctx.prefix, env.VOID_DEDUPE_TTL_SECONDS);
  const bot = new rt.VoidTeamsBot({
    dispatcher: ctx.dispatcher,
    chat,
    adapter,
    ledger,
    appId: settings.appId,
    log,
    registry: ctx.registry,
    approvals: () => approvals,
    audit: ctx.audit,
  });
  // A command message is acked after one intake add (queued.ts); a worker runs its turn here, with the attempt.
  const turn: RunTurn = (activity, claims, attempt) =>
    adapter.runVerified(activity as unknown as Activity, claims, (context) => {
      context.turnState.set(rt.INTAKE_ATTEMPT, attempt);
      return bot.run(context);
    });
  ctx.intake.register('teams', (item, attempt) => rt.handleQueued(turn, item, attempt, log));
  const intake = {
    intake: ctx.intake,
    security: ctx.audit.security,
    dedupeWindowMs: env.VOID_DEDUPE_TTL_SECONDS * 1000,
  };
  const tokens = settings.emulator
    ? undefined
    : {
        appId: settings.appId,
        issuer: env.MICROSOFT_TOKEN_ISSUER,
        keys: new rt.OpenIdKeys({ metadataUrl: env.MICROSOFT_OPENID_METADATA_URL }),
      };
  const handler = rt.teamsMessages({
    log,
    tokens,
    // The local Bot Framework Emulator speaks as the "emulator" channel; only in that (loopback-only) mode.
    allowedChannels: settings.emulator ? [...env.TEAMS_ALLOWED_CHANNELS, 'emulator'] : env.TEAMS_ALLOWED_CHANNELS,
    isBound: (aadTenantId) => ctx.registry.tenantFor('teams', aadTenantId) !== undefined,
    security: ctx.audit.security,
    record: async (refused) => {
      await ctx.audit.append({
        tenantId: SYSTEM_TENANT,
        action: refused.action,
        actor: {
          platform: 'teams',
          ...(refused.aadObjectId ? { platformUserId: refused.aadObjectId.slice(0, 128) } : {}),
        },
        target: refused.aadTenantId?.slice(0, 128) ?? '(no tenant)',
        outcome: 'denied',
        details: { code: refused.code, channel: refused.channelId },
        correlationId: `c-teams-${randomUUID()}`,
      });
    },
    queue: async (activity, claims, req) => {
      if (!rt.isQueueable(activity)) return undefined;
      // A message with no command for Void (chatter in a channel, Void's own message) is answered with no round trip.
      const command = rt.commandOf(activity as unknown as Activity);
      return command && activity.id
        ? rt.enqueue(intake, { ...activity, id: activity.id }, claims, req)
        : { status: 200 };
    },
    process: async (activity, claims) => {
      const response = await adapter.runVerified(activity as unknown as Activity, claims, (context) =>
        bot.run(context),
      );
      if (response?.status !== 501) return response;
      // An invoke Void does not handle (task modules, message extensions…): acknowledged and ignored.
      log.debug({ type: activity.type, name: activity.name }, 'Teams invoke not handled by Void; ignored');
      return { status: 200 };
    },
  });
  return { chat, handler };
}

const NEEDS = { approvals: 'optional' } as const;

export const teamsModule: VoidModule<typeof NEEDS> = {
  name: 'teams',
  needs: NEEDS,
  async setup(ctx, { approvals }): Promise<ModuleContribution> {
    const env = ctx.config.env;
    if (!env.MICROSOFT_APP_ID && !env.TEAMS_EMULATOR_MODE) return {};
    // loadConfig refuses this already; a process assembled otherwise must not run unauthenticated either.
    const unsafe = checkTeamsConfig(env);
    if (unsafe.length) throw new VoidError('teams.config', unsafe.join('\n'));
    if (env.MICROSOFT_APP_ID && !env.MICROSOFT_APP_PASSWORD && !env.TEAMS_EMULATOR_MODE) {
      throw new VoidError(
        'teams.config',
        'MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID: Void needs it to post into Teams.',
      );
    }
    const tokens = tokenSource(env, ctx.log.child({ platform: 'teams' }));
    const { chat, handler } = await wire(ctx, approvals, env, tokens);
    return {
      chatPorts: { teams: chat },
      routes: (http) => {
        http.inbound('/api/messages', handler);
        legalPages(http, env);
      },
      start: async () => {
        if (env.TEAMS_EMULATOR_MODE) ctx.log.warn({ platform: 'teams' }, EMULATOR_WARNING);
        // Asked at start, so that a wrong password shows in /readyz and the log before the first reply is lost.
        if (tokens) void tokens.get();
      },
      ...(tokens ? { platformHealth: async () => ({ teams: await healthNow(tokens) }) } : {}),
    };
  },
};
