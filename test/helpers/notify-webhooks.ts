// Set-up shared by the outbound webhook tests (notify-webhooks*.test.ts): a Void process with approvals and the
// notify module (fast retries, no breaker unless told) for a tenant whose webhooks the test writes, loopback
// receivers, the `void webhooks` CLI, and the cleanup after each test (useNotifyCleanup).
import { PassThrough } from 'node:stream';
import { afterAll, afterEach } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import type { AuditRecord } from '../../audit/types.js';
import type { VoidApp } from '../../bot/app.js';
import type { Config } from '../../bot/config/load.js';
import { createRedis } from '../../bot/redis.js';
import type { NotifyEngine } from '../../integrations/notify/engine.js';
import { notifyModule, type NotifyModuleOptions } from '../../integrations/notify/module.js';
import type { NotifyState } from '../../integrations/notify/state.js';
import { runWebhooksCli } from '../../bot/cli/webhooks.cli.js';
import { REDIS_URL, startTestApp, testConfig, uniqueId } from './app.js';
import { testProcessors } from './approvals.js';
import { startReceiver, WEBHOOK_SECRET, type Receiver } from './notify.js';

export const stops: Array<() => Promise<void>> = [];
const redis = createRedis(REDIS_URL);

/** Stops what the test started (last first) after each test, and closes the CLI's Redis connection at the end. */
export function useNotifyCleanup(): void {
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  afterAll(() => redis.disconnect());
}

export const FAST = { baseMs: 20, capMs: 40, windowMs: 200 };
export const NO_BREAKER = { threshold: 1000, coolDownMs: 10 };

function hooksYaml(hooks: string): string {
  return `version: 1
tenants:
  - id: acme
    name: Acme Payments
    bindings:
      github: { org: acme, installationId: 1001 }
    members:
      - { id: alice, name: Alice Developer, roles: [developer] }
      - { id: bob, name: Bob Lead, roles: [tech_lead] }
      - { id: carol, name: Carol Ops, roles: [devops] }
    policies:
      default: deny
      rules:
        - { name: production-deploys, action: deploy, environment: production,
            quorum: 1 tech_lead and 1 devops, ttl: 1h }
    notifications:
      webhooks:
${hooks}`;
}

export const hook = (id: string, url: string, events: string) =>
  `        - { id: ${id}, url: "${url}", secretRef: portal, events: [${events}] }\n`;

export interface Started {
  app: VoidApp;
  engine: NotifyEngine;
  state: NotifyState;
  config: Config;
  prefix: string;
  queueName: string;
}

export async function start(
  hooks: string,
  options: NotifyModuleOptions = {},
  env: Record<string, string> = { VOID_OUTBOUND_ALLOW: '127.0.0.1' },
): Promise<Started> {
  let engine: NotifyEngine | undefined;
  let state: NotifyState | undefined;
  const queueName = uniqueId('nq');
  const config = testConfig({
    yaml: hooksYaml(hooks),
    env: { VOID_WEBHOOK_SECRETS: JSON.stringify({ portal: WEBHOOK_SECRET }), ...env },
  });
  const t = await startTestApp({
    config,
    modules: [
      approvalsModule(),
      testProcessors([]),
      notifyModule({
        retry: FAST,
        breaker: NO_BREAKER,
        queueName,
        ...options,
        onReady: (e, s) => ((engine = e), (state = s)),
      }),
    ],
  });
  stops.push(async () => {
    await engine?.queue.obliterate({ force: true }).catch(() => undefined);
    await t.stop();
  });
  return {
    app: t.app,
    engine: engine as unknown as NotifyEngine,
    state: state as unknown as NotifyState,
    config,
    prefix: t.prefix,
    queueName,
  };
}

export async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  stops.push(() => r.stop());
  return r;
}

export const trail = (app: VoidApp): Promise<AuditRecord[]> => app.audit.store.range('acme', 1, 10_000);
export const system = { platform: 'system' as const };
export const jobFailed = (app: VoidApp, details: Record<string, unknown> = {}) =>
  app.audit.append({
    tenantId: 'acme',
    action: 'job.failed',
    actor: { memberId: 'alice', platform: 'console', platformUserId: 'alice' },
    target: 'job-1',
    outcome: 'failure',
    details: { kind: 'review', code: 'model.unavailable', ...details },
    correlationId: 'c-1',
  });

export async function cli(s: Started, args: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += String(c)));
  const code = await runWebhooksCli(['webhooks', ...args], {
    config: s.config,
    stdout: out,
    redis,
    prefix: s.prefix,
    queueName: s.queueName,
  });
  return { code, out: text };
}
