// The Teams module: `POST /api/messages` (web role) and the Teams ChatPort (every role, so that workers can post
// progress). Active when MICROSOFT_APP_ID is set, or in the explicit local-emulator mode.
import type { Activity } from 'botbuilder';
import { VoidError } from '../core/errors.js';
import { DeliveryLedger } from '../idempotency.js';
import type { ModuleContribution, VoidModule } from '../modules.js';
import { teamsSettings, VoidCloudAdapter } from './adapter.js';
import { VoidTeamsBot } from './bot.js';
import { TeamsChatPort } from './client.js';
import { OpenIdKeys } from './openid.js';
import { messagesHandler, type TokenCheck } from './receiver.js';

export const EMULATOR_WARNING =
  'TEAMS_EMULATOR_MODE is on: Bot Framework token validation is OFF and anyone who can reach /api/messages can act as any Teams user. Use it only with the local Bot Framework Emulator.';

export const teamsModule: VoidModule = {
  name: 'teams',
  async setup(ctx): Promise<ModuleContribution> {
    const env = ctx.config.env;
    const settings = teamsSettings(env);
    if (!settings.appId && !settings.emulator) return {};
    if (settings.appId && !env.MICROSOFT_APP_PASSWORD && !settings.emulator) {
      throw new VoidError('teams.config', 'MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID: Void needs it to post into Teams.');
    }
    const log = ctx.log.child({ platform: 'teams' });
    const adapter = new VoidCloudAdapter(env, settings);
    adapter.onTurnError = async (_context, error) => {
      log.error({ err: { message: error.message, name: error.name } }, 'Teams turn failed');
      throw error;
    };
    const chat = new TeamsChatPort(ctx.redis, ctx.prefix, adapter, log);
    const ledger = new DeliveryLedger(ctx.redis, ctx.prefix, env.VOID_DEDUPE_TTL_SECONDS);
    const bot = new VoidTeamsBot({
      dispatcher: ctx.dispatcher,
      chat,
      adapter,
      ledger,
      appId: settings.appId,
      log,
      registry: ctx.registry,
      approvals: () => ctx.ports.approvals,
      audit: ctx.audit,
    });
    const tokens: TokenCheck | undefined = settings.emulator
      ? undefined
      : { appId: settings.appId, issuer: env.MICROSOFT_TOKEN_ISSUER, keys: new OpenIdKeys({ metadataUrl: env.MICROSOFT_OPENID_METADATA_URL }) };
    const handler = messagesHandler({
      log,
      tokens,
      process: async (activity, claims) => {
        const response = await adapter.runVerified(activity as unknown as Activity, claims, (context) => bot.run(context));
        if (response?.status !== 501) return response;
        // An invoke Void does not handle (task modules, message extensions…): acknowledged and ignored.
        log.debug({ type: activity.type, name: activity.name }, 'Teams invoke not handled by Void; ignored');
        return { status: 200 };
      },
    });
    return {
      chatPorts: { teams: chat },
      routes: (http) => {
        http.route('POST', '/api/messages', handler);
      },
      start: async () => {
        if (settings.emulator) log.warn(EMULATOR_WARNING);
      },
    };
  },
};
