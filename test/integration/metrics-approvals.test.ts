// Approvals by state on /metrics, counted from the audit trail as a real approval flow runs (request, a refused
// self-approval, a 2-approval quorum, the job).
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsModule } from '../../approvals/module.js';
import { observabilityModule } from '../../bot/observability.js';
import { trackApps, testConfig } from '../helpers/app.js';
import { approvalsYaml, consoleUser, recordThreads, say, slackUser, testProcessors } from '../helpers/approvals.js';
import { valueOf } from '../helpers/metrics.js';

const METRICS_TOKEN = 'metrics-token-approvals-42';
const { start } = trackApps(afterEach);

const scrape = async (url: string) =>
  (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

describe('approvals on /metrics', () => {
  it('counts pending, denied and approved transitions and the approved job', async () => {
    const ran: string[] = [];
    const t = await start({
      config: testConfig({ yaml: approvalsYaml(), env: { METRICS_TOKEN } }),
      modules: [observabilityModule(), approvalsModule(), testProcessors(ran)],
    });
    const chat = recordThreads(t.app);
    const before = await scrape(t.url);

    const requested = await say(t.app, consoleUser('alice'), 'deploy payments to critical at v1.4.2');
    const id = requested.replies[0]?.approval?.id ?? '';
    expect(id).not.toBe('');
    const own = await say(t.app, consoleUser('alice'), `approve ${id}`);
    expect(own.replies[0]?.kind).toBe('refusal');
    await say(t.app, slackUser('U0APPR01'), `approve ${id}`);
    await say(t.app, slackUser('U0APPR02'), `approve ${id}`);
    await chat.waitFor((p) => p.reply.text.startsWith('✅ deploy done'));

    const after = await scrape(t.url);
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('void_approvals_total', { state: 'pending' })).toBe(1);
    expect(delta('void_approvals_total', { state: 'denied' })).toBe(1);
    expect(delta('void_approvals_total', { state: 'approved' })).toBe(1);
    expect(delta('void_approvals_total', { state: 'rejected' })).toBe(0);
    expect(ran).toEqual([`deploy-appr-acme-${id}`]);
  });
});
