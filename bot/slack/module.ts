// The Slack module: active when SLACK_SIGNING_SECRET is set. Single-workspace mode with SLACK_BOT_TOKEN, or
// multi-workspace mode (OAuth install) with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET/SLACK_STATE_SECRET and
// VOID_ENCRYPTION_KEY. Bolt runs behind our own receiver on Void's HTTP server.
import { App } from '@slack/bolt';
import type { Env } from '../config/env.js';
import { VoidError } from '../core/errors.js';
import type { TenantRegistry } from '../core/registry.js';
import { DeliveryLedger } from '../idempotency.js';
import type { ApprovalsPort } from '../core/approvals.port.js';
import type { ModuleContext, ModuleContribution, VoidModule } from '../modules.js';
import { boltLogger, SlackAuth } from './auth.js';
import { SlackChatPort } from './client.js';
import { SlackConversations } from './conversations.js';
import { SlackDecisions } from './decisions.js';
import { publishHome } from './home.js';
import { JIRA_CREATE_VIEW } from './jira-modal.js';
import { createInstallationRecords, InstallationStore } from './installations.js';
import { APPROVE_ACTION, REJECT_ACTION, REJECT_VIEW, isDirectMessage, type SlackIdsOf } from './mapper.js';
import { SlackOAuth } from './oauth.js';
import { createPrecheck } from './precheck.js';
import { SlackReceiver } from './receiver.js';
import { TokenCipher } from './token-cipher.js';
import type { SlackBody } from './body.js';
import { obj } from './fields.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

type Mode =
  | { kind: 'single'; botToken: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; stateSecret: string; encryptionKey: string };

export function slackMode(env: Env): Mode {
  if (env.SLACK_CLIENT_ID || env.SLACK_CLIENT_SECRET) {
    const missing = (
      ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'VOID_ENCRYPTION_KEY'] as const
    ).filter((name) => !env[name]);
    if (missing.length)
      throw new VoidError('slack.config', `Slack OAuth install needs ${missing.join(', ')} (see docs/slack.md).`);
    return {
      kind: 'oauth',
      clientId: env.SLACK_CLIENT_ID as string,
      clientSecret: env.SLACK_CLIENT_SECRET as string,
      stateSecret: env.SLACK_STATE_SECRET as string,
      encryptionKey: env.VOID_ENCRYPTION_KEY as string,
    };
  }
  if (env.SLACK_BOT_TOKEN) return { kind: 'single', botToken: env.SLACK_BOT_TOKEN };
  throw new VoidError(
    'slack.config',
    'SLACK_SIGNING_SECRET is set but neither SLACK_BOT_TOKEN (one workspace) nor ' +
      'SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth install) is (see docs/slack.md).',
  );
}

export function slackIdsFrom(registry: TenantRegistry): SlackIdsOf {
  return (tenantId, memberId) => registry.memberById(tenantId, memberId)?.identities.slack ?? [];
}

/** The Slack module, with `settled()`: resolves once the work after every ack so far is done (shutdown, tests). */
const NEEDS = { approvals: 'optional' } as const;

export interface SlackModule extends VoidModule<typeof NEEDS> {
  settled(): Promise<void>;
}

export function createSlackModule(): SlackModule {
  const receivers: SlackReceiver[] = [];
  return {
    name: 'slack',
    settled: async () => void (await Promise.all(receivers.map((r) => r.settled()))),
    needs: NEEDS,
    setup: (ctx, ports) => setupSlack(ctx, ports.approvals, receivers),
  };
}

export const slackModule: SlackModule = createSlackModule();

async function setupSlack(
  ctx: ModuleContext,
  approvalsPort: ApprovalsPort | undefined,
  receivers: SlackReceiver[],
): Promise<ModuleContribution> {
  const env = ctx.config.env;
  if (!env.SLACK_SIGNING_SECRET) return {};
  const mode = slackMode(env);
  const log = ctx.log.child({ module: 'slack' });
  const apiUrl = env.SLACK_API_URL ?? DEFAULT_SLACK_API_URL;
  const installations =
    mode.kind === 'oauth'
      ? new InstallationStore(await createInstallationRecords(env), new TokenCipher(mode.encryptionKey))
      : undefined;
  const single =
    mode.kind === 'single'
      ? { botToken: mode.botToken, botId: env.SLACK_BOT_ID, botUserId: env.SLACK_BOT_USER_ID }
      : undefined;
  const auth = new SlackAuth({ apiUrl, log, registry: ctx.registry, single, installations });
  const slackIdsOf = slackIdsFrom(ctx.registry);
  const port = new SlackChatPort({
    auth,
    redis: ctx.redis,
    prefix: ctx.prefix,
    paceMs: env.SLACK_CHANNEL_PACE_MS,
    slackIdsOf,
    log,
  });
  const openView = async (
    origin: { teamId: string; enterpriseId?: string | undefined },
    triggerId: string,
    view: SlackBody,
  ) => {
    const bot = await auth.forTeam(origin.teamId, origin.enterpriseId);
    if (!bot) throw new VoidError('slack.not_installed', 'Void is not installed in this workspace');
    await auth.client(bot.botToken).views.open({ trigger_id: triggerId, view: view as never });
  };
  const conversations = new SlackConversations({
    dispatcher: ctx.dispatcher,
    registry: ctx.registry,
    port,
    log,
    slackIdsOf,
    openView,
  });
  const approvals = () => approvalsPort;
  const ledger = new DeliveryLedger(ctx.redis, ctx.prefix, env.VOID_DEDUPE_TTL_SECONDS);
  const decisions = new SlackDecisions({
    registry: ctx.registry,
    approvals,
    ledger,
    port,
    auth,
    conversations,
    slackIdsOf,
    log,
  });
  const receiver = new SlackReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET,
    audit: ctx.audit,
    log,
    precheck: createPrecheck({
      registry: ctx.registry,
      dispatcher: ctx.dispatcher,
      conversations,
      installed: async (team, enterprise) => Boolean(await auth.forTeam(team, enterprise)),
      log,
    }),
    queueReady: () => ctx.redis.status === 'ready',
    ledger,
    intake: ctx.intake,
    answerNow: (body) => conversations.answerNow(body),
  });
  receivers.push(receiver);
  ctx.intake.register('slack', (item, attempt) => receiver.handleQueued(item, attempt));
  const bolt = new App({
    receiver,
    authorize: async (source) => {
      const bot = await auth.forTeam(source.teamId ?? '', source.enterpriseId);
      if (!bot) throw new VoidError('slack.not_installed', 'Void is not installed in this workspace');
      return { botToken: bot.botToken, botId: bot.botId, botUserId: bot.botUserId, teamId: bot.teamId };
    },
    logger: boltLogger(log),
    clientOptions: { slackApiUrl: apiUrl },
    convoStore: false,
    signatureVerification: false,
  });
  registerListeners(bolt, {
    conversations,
    decisions,
    home: { registry: ctx.registry, approvals, queue: ctx.queue, auth, log },
  });
  const oauth =
    mode.kind === 'oauth' && installations
      ? new SlackOAuth({
          clientId: mode.clientId,
          clientSecret: mode.clientSecret,
          stateSecret: mode.stateSecret,
          redirectUri: env.SLACK_REDIRECT_URI,
          apiUrl,
          redis: ctx.redis,
          prefix: ctx.prefix,
          auth,
          installations,
          registry: ctx.registry,
          audit: ctx.audit,
          log,
        })
      : undefined;
  return {
    routes: (http) => {
      http.route('POST', '/slack/events', receiver.handle);
      oauth?.routes(http);
    },
    chatPorts: { slack: port },
    close: async () => {
      port.close();
      await Promise.race([receiver.settled(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await installations?.close();
    },
  };
}

function registerListeners(
  bolt: App,
  parts: { conversations: SlackConversations; decisions: SlackDecisions; home: Parameters<typeof publishHome>[0] },
): void {
  const { conversations, decisions, home } = parts;
  // Queued requests carry their intake job id (a re-run after a worker died takes over its own delivery claim).
  const attemptOf = (context: Record<string, unknown>) =>
    typeof context.voidIntakeJob === 'string' ? context.voidIntakeJob : undefined;
  bolt.command(/.*/, async ({ ack, body, context }) => {
    await ack();
    const answered = context.voidAnswered === true;
    await conversations.onSlashCommand(body as unknown as SlackBody, answered, attemptOf(context));
  });
  // A mention in a direct message also arrives as message.im (handled below): answer it once.
  bolt.event('app_mention', async ({ body, event, context }) => {
    if (!String(event.channel).startsWith('D'))
      await conversations.onMessage(body as unknown as SlackBody, event as unknown as SlackBody, attemptOf(context));
  });
  bolt.event('message', async ({ body, event, context }) => {
    if (isDirectMessage(event as unknown as SlackBody))
      await conversations.onMessage(body as unknown as SlackBody, event as unknown as SlackBody, attemptOf(context));
  });
  bolt.event('app_home_opened', async ({ body, event }) =>
    publishHome(home, body as unknown as SlackBody, event as unknown as SlackBody),
  );
  bolt.action(APPROVE_ACTION, async ({ ack, body, action }) => {
    await ack();
    await decisions.onApproveClick(body as unknown as SlackBody, obj(action));
  });
  bolt.action(REJECT_ACTION, async ({ ack, body, action }) => {
    await ack();
    await decisions.onRejectClick(body as unknown as SlackBody, obj(action));
  });
  bolt.view(REJECT_VIEW, async ({ ack, body }) => {
    await ack();
    await decisions.onRejectSubmit(body as unknown as SlackBody);
  });
  bolt.view(JIRA_CREATE_VIEW, async ({ ack, body }) => {
    await ack();
    await conversations.onJiraCreateSubmit(body as unknown as SlackBody);
  });
}
