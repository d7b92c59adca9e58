// `void doctor` on notifications: an SMTP server that greets is fine, one that does not is a problem to fix; a
// webhook endpoint without its secret or at a private address is named with the fix; dead letters are reported.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../bot/doctor.js';
import { createRedis } from '../../bot/redis.js';
import { NotifyState } from '../../integrations/notify/state.js';
import { REDIS_URL, uniqueId } from '../helpers/app.js';
import { tempTenantsFile } from '../helpers/deploy.js';
import { startSmtp, WEBHOOK_SECRET } from '../helpers/notify.js';

const redis = createRedis(REDIS_URL);
afterAll(() => redis.disconnect());

const YAML = `version: 1
tenants:
  - id: acme
    name: Acme Payments
    notifications:
      webhooks:
        - { id: portal, url: "https://10.9.8.7/hook", secretRef: portal, events: [approval.requested] }
        - { id: nosecret, url: "https://10.9.8.7/hook", secretRef: missing, events: [job.failed] }
`;

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
  const code = await runDoctor({ out: sink, raw: { REDIS_URL, VOID_TENANTS_FILE: tempTenantsFile(YAML), ...env } });
  return { code, out };
}

describe('void doctor: notifications', () => {
  it(
    'checks SMTP servers and webhook endpoints, ' + 'reports dead letters, and never prints the SMTP password',
    async () => {
      const smtp = await startSmtp();
      const prefix = uniqueId('void-doc');
      await new NotifyState(redis, prefix).deadLetter({
        deliveryId: 'd1',
        channel: 'webhook',
        tenantId: 'acme',
        recipient: 'portal',
        eventType: 'job.failed',
        failedAt: new Date().toISOString(),
        attempts: 34,
        code: 'webhook.status_500',
        job: {},
      });
      try {
        const { code, out } = await doctor({
          VOID_KEY_PREFIX: prefix,
          VOID_SMTP_URL: smtp.url.replace('smtp://', 'smtp://void:hunter2-smtp-pass@'),
          VOID_WEBHOOK_SECRETS: JSON.stringify({ portal: WEBHOOK_SECRET }),
        });
        expect(out).toMatch(
          /✔ smtp deployment \(VOID_SMTP_URL\): smtp:\/\/\*\*\*@127\.0\.0\.1:\d+ greets and accepts Void/,
        );
        expect(out).toContain(
          '✘ webhook acme/portal: 10.9.8.7 resolves to 10.9.8.7, a loopback, private, link-local or metadata address',
        );
        expect(out).toContain(
          '✘ webhook acme/nosecret: no Standard Webhooks secret named "missing" in VOID_WEBHOOK_SECRETS',
        );
        expect(out).toContain('! notifications acme: 1 delivery(ies) in the dead-letter list (0 mail, 1 webhook)');
        expect(out).toContain('void webhooks replay --tenant acme --all');
        expect(out).not.toContain('hunter2-smtp-pass');
        expect(code).toBe(1);
      } finally {
        await smtp.stop();
      }
    },
  );
});
