// `void doctor` checks for notifications: each SMTP server greets (and accepts the credentials), each webhook
// endpoint has its secret and an address Void may reach, and what went wrong lately (SMTP errors and bounces,
// dead-lettered deliveries) is reported with how to fix it. Nothing is sent.
import { Redis } from 'ioredis';
import { redactUrl } from '../../bot/core/logger.js';
import type { NotifyConfig as Config } from './env.js';
import { Mailer } from './mail.js';
import { AllowList, checkTarget, defaultResolver, type Resolver } from './outbound.js';
import { notificationsOf } from './settings.schema.js';
import { NotifyState } from './state.js';

export interface NotifyCheck {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  readonly detail: string;
  readonly fix?: string;
}

const TIMEOUT_MS = 5_000;

async function smtpChecks(config: Config): Promise<NotifyCheck[]> {
  const env = config.env;
  const urls = new Map<string, string>();
  if (env.VOID_SMTP_URL) urls.set('deployment (VOID_SMTP_URL)', env.VOID_SMTP_URL);
  const out: NotifyCheck[] = [];
  for (const t of config.tenants) {
    const ref = notificationsOf(t).smtpRef;
    if (!ref) continue;
    const url = env.VOID_SMTP_URLS?.[ref];
    if (url) urls.set(`${t.id} (VOID_SMTP_URLS.${ref})`, url);
    else
      out.push({
        name: `smtp ${t.id}`,
        status: 'fail',
        detail: `notifications.smtpRef "${ref}" is not in VOID_SMTP_URLS`,
        fix: `Add "${ref}": "smtp://…" to the VOID_SMTP_URLS JSON.`,
      });
  }
  const mailer = new Mailer(env.VOID_MAIL_FROM, TIMEOUT_MS);
  try {
    for (const [label, url] of urls) {
      try {
        await mailer.verify(url);
        out.push({ name: `smtp ${label}`, status: 'ok', detail: `${redactUrl(url)} greets and accepts Void` });
      } catch (error) {
        const code = (error as { code?: string; responseCode?: number }).code ?? 'error';
        out.push({
          name: `smtp ${label}`,
          status: 'fail',
          detail: `${redactUrl(url)} does not accept Void (${code})`,
          fix: 'Check the host, port, TLS (smtps:// for port 465) and the user and password in the SMTP URL.',
        });
      }
    }
  } finally {
    mailer.close();
  }
  return out;
}

async function webhookChecks(config: Config, resolve: Resolver): Promise<NotifyCheck[]> {
  const allow = new AllowList(config.env.VOID_OUTBOUND_ALLOW);
  const out: NotifyCheck[] = [];
  for (const t of config.tenants) {
    for (const w of notificationsOf(t).webhooks) {
      const name = `webhook ${t.id}/${w.id}`;
      const secret = config.env.VOID_WEBHOOK_SECRETS?.[w.secretRef];
      if (!secret?.startsWith('whsec_')) {
        out.push({
          name,
          status: 'fail',
          detail: `no Standard Webhooks secret named "${w.secretRef}" in VOID_WEBHOOK_SECRETS`,
          fix:
            `Add "${w.secretRef}": "whsec_<base64 of 24-64 random bytes>" to VOID_WEBHOOK_SECRETS and give the ` +
            `receiver the same secret.`,
        });
        continue;
      }
      const target = await checkTarget(w.url, allow, resolve);
      if (target.ok)
        out.push({
          name,
          status: 'ok',
          detail: `${target.url.origin} (${target.address}), events ${w.events.join(', ')}`,
        });
      else
        out.push({
          name,
          status: 'fail',
          detail: target.refusal.message,
          fix:
            target.refusal.code === 'webhook.blocked_address'
              ? 'Point the endpoint at a public address, or name it in VOID_OUTBOUND_ALLOW if an internal receiver ' +
                'is intended.'
              : 'Correct the endpoint URL.',
        });
    }
  }
  return out;
}

async function recentTrouble(config: Config, redisUrl: string): Promise<NotifyCheck[]> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const state = new NotifyState(redis, config.env.VOID_KEY_PREFIX);
    const out: NotifyCheck[] = [];
    const stats = await state.smtpStats();
    if (stats.errors || stats.bounces) {
      out.push({
        name: 'smtp deliveries',
        status: 'warn',
        detail:
          `${stats.errors ?? 0} SMTP error(s) (last: ${stats.last_error ?? 'none'}), ${stats.bounces ?? 0} ` +
          `bounce(s) (last: ${stats.last_bounce ?? 'none'})`,
        fix:
          "Check the SMTP server and the members' identities.email; failed mails are retried, " +
          'then listed by "void webhooks list".',
      });
    }
    for (const t of config.tenants) {
      const dead = await state.deadLetters(t.id);
      if (dead.length)
        out.push({
          name: `notifications ${t.id}`,
          status: 'warn',
          detail:
            `${dead.length} delivery(ies) in the dead-letter list ` +
            `(${dead.filter((d) => d.channel === 'email').length} ` +
            `mail, ${dead.filter((d) => d.channel === 'webhook').length} webhook)`,
          fix:
            `See them with "void webhooks list --tenant ${t.id}"; after fixing the receiver, ` +
            `"void webhooks replay --tenant ${t.id} --all".`,
        });
    }
    return out;
  } catch {
    return [];
  } finally {
    redis.disconnect();
  }
}

/** Every notification check; nothing configured means nothing to say. */
export async function notificationChecks(
  config: Config,
  redisUrl: string,
  resolve: Resolver = defaultResolver,
): Promise<NotifyCheck[]> {
  const [smtp, hooks, trouble] = await Promise.all([
    smtpChecks(config),
    webhookChecks(config, resolve),
    recentTrouble(config, redisUrl),
  ]);
  return [...smtp, ...hooks, ...trouble];
}
