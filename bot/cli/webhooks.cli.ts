// `void webhooks list|replay|test`: the operator's view of outbound webhooks (and of dead-lettered mail, which lives
// in the same list). Works against Redis: a running worker of the deployment delivers what `replay` queues.
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../config/load.js';
import { VoidError } from '../core/errors.js';
import { createRedis, DEFAULT_REDIS_URL } from '../redis.js';
import { NOTIFY_QUEUE, replayDeadLetters, type NotifyJob } from '../../integrations/notify/jobs.js';
import { AllowList, defaultResolver, type Resolver } from '../../integrations/notify/outbound.js';
import { notificationsOf } from '../../integrations/notify/settings.schema.js';
import { NotifyState } from '../../integrations/notify/state.js';
import { deliverWebhook } from '../../integrations/notify/webhook.js';

export const WEBHOOKS_USAGE = `Outbound webhooks and notification dead letters (against REDIS_URL):
  void webhooks list [--tenant <id>]                        endpoints, circuit breakers, backlogs and dead letters
  void webhooks replay --tenant <id> (--id <delivery id> | --all)   queue dead letters again (same webhook-id)
  void webhooks test --tenant <id> --endpoint <id>          send one signed "webhook.test" event, show the answer`;

export interface WebhooksCliDeps {
  readonly config?: Config;
  readonly stdout?: Writable;
  readonly redis?: Redis;
  readonly prefix?: string;
  readonly queueName?: string;
  readonly resolve?: Resolver;
}

function need(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v)
    throw new VoidError('cli.missing_option', `--${name} is required.\n${WEBHOOKS_USAGE}`);
  return v;
}

async function list(config: Config, state: NotifyState, only: string | undefined, out: Writable): Promise<number> {
  const tenants = config.tenants.filter((t) => !only || t.id === only);
  if (only && !tenants.length)
    throw new VoidError('cli.unknown_tenant', `No tenant "${only}" in ${config.tenantsFile.path}.`);
  for (const t of tenants) {
    const hooks = notificationsOf(t).webhooks;
    out.write(`${t.id}: ${hooks.length} endpoint(s)\n`);
    for (const w of hooks) {
      const open = await state.breakerOpenFor(t.id, w.id);
      const url = new URL(w.url);
      const circuit = open ? `open (${Math.ceil(open / 1000)} s)` : 'closed';
      out.write(
        `  ${w.id}  ${url.origin}${url.pathname}  [${w.events.join(', ')}]  ` +
          `circuit ${circuit}, ${await state.outboxLength(t.id, w.id)} waiting in order\n`,
      );
    }
    const dead = await state.deadLetters(t.id);
    out.write(`  dead letters: ${dead.length}\n`);
    for (const d of dead)
      out.write(
        `    ${d.deliveryId}  ${d.channel} → ${d.recipient}  ${d.eventType}  ${d.code}  after ${d.attempts} ` +
          `attempt(s) at ${d.failedAt}\n`,
      );
  }
  return 0;
}

async function test(
  config: Config,
  state: NotifyState,
  tenantId: string,
  endpointId: string,
  resolve: Resolver,
  out: Writable,
): Promise<number> {
  const tenant = config.tenants.find((t) => t.id === tenantId);
  const endpoint = tenant ? notificationsOf(tenant).webhooks.find((w) => w.id === endpointId) : undefined;
  if (!endpoint)
    throw new VoidError(
      'cli.unknown_endpoint',
      `Tenant "${tenantId}" has no webhook "${endpointId}" in ${config.tenantsFile.path}.`,
    );
  const now = new Date();
  const event = {
    id: `evt_test_${now.getTime()}`,
    type: 'webhook.test' as const,
    tenantId,
    timestamp: now.toISOString(),
    data: { message: 'A test event from void webhooks test.' },
  };
  try {
    const status = await deliverWebhook(tenantId, endpoint, event, state, {
      allow: new AllowList(config.env.VOID_OUTBOUND_ALLOW),
      resolve,
      secrets: config.env.VOID_WEBHOOK_SECRETS ?? {},
      timeoutMs: 10_000,
      maxResponseBytes: 64 * 1024,
      breaker: { threshold: 5, coolDownMs: 60_000 },
      now: () => new Date(),
    });
    out.write(`✔ ${endpointId} answered ${status} to ${event.id}\n`);
    return 0;
  } catch (error) {
    out.write(`✘ ${endpointId}: ${(error as Error).message} (${(error as { code?: string }).code ?? 'error'})\n`);
    return 1;
  }
}

export async function runWebhooksCli(argv: string[], deps: WebhooksCliDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean' },
      endpoint: { type: 'string' },
    },
  });
  const sub = positionals[0];
  const out = deps.stdout ?? process.stdout;
  if (!sub || !['list', 'replay', 'test'].includes(sub)) {
    out.write(`${WEBHOOKS_USAGE}\n`);
    return sub ? 2 : 0;
  }
  const config = deps.config ?? loadConfig();
  const redis = deps.redis ?? createRedis(config.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = deps.prefix ?? config.env.VOID_KEY_PREFIX;
  const state = new NotifyState(redis, prefix);
  try {
    if (sub === 'list') return await list(config, state, values.tenant, out);
    if (sub === 'test')
      return await test(
        config,
        state,
        need(values, 'tenant'),
        need(values, 'endpoint'),
        deps.resolve ?? defaultResolver,
        out,
      );
    const tenantId = need(values, 'tenant');
    if (!values.all && !values.id)
      throw new VoidError(
        'cli.missing_option',
        `Say which dead letter: --id <delivery id> or --all.\n${WEBHOOKS_USAGE}`,
      );
    const entries = await state.takeDeadLetters(tenantId, values.all ? undefined : values.id);
    const queue = new Queue<NotifyJob>(deps.queueName ?? NOTIFY_QUEUE, { connection: redis, prefix });
    try {
      const n = await replayDeadLetters(queue, entries);
      out.write(
        n
          ? `Queued ${n} dead letter(s) of ${tenantId} again; a running worker delivers them.\n`
          : `No matching dead letter in ${tenantId}.\n`,
      );
      return n ? 0 : 1;
    } finally {
      await queue.close();
    }
  } finally {
    if (!deps.redis) redis.disconnect();
  }
}
