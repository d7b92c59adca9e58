// B4: the approval round trip through Void's real Slack endpoint, with Slack's Web API faked on loopback: a signed
// `/void deploy payments to production` from Alice → the approval card is posted → Bob (tech lead) and Carol (devops)
// click Approve (signed block_actions) → the deploy job starts on the worker. Measured per trip from the slash
// command to the processor's first instruction (no human think time: each click is sent as soon as the card exists).
// Real approvals module, real Slack module, real BullMQ and audit trail; the deploy processor itself is a no-op.
import pino from 'pino';
import { approvalsModule } from '../../approvals/module.js';
import { VoidApp } from '../../bot/app.js';
import type { VoidModule } from '../../bot/modules.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import {
  ACME_TEAM,
  FakeSlackApi,
  USERS,
  fixture,
  interactionForm,
  postSlack,
  slackEnv,
  slashForm,
  type SlackCall,
} from '../helpers/slack.js';
import { BENCH_YAML, median, percentile, type BenchResult } from './lib.js';

const TRIPS = Number(process.env.B4_TRIPS ?? 100);
const ROUNDS = 3;

export function click(user: string, approvalId: string, channel: string, ts: string, threadTs: string): string {
  return interactionForm({
    ...fixture('block-actions.json'),
    team: { id: ACME_TEAM, domain: 'acme' },
    user: { id: user, username: user, team_id: ACME_TEAM },
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'deploys' },
    message: { type: 'message', bot_id: 'B0VOID0001', text: 'approval', ts, thread_ts: threadTs },
    actions: [
      {
        action_id: 'void_approve',
        block_id: 'decide',
        type: 'button',
        value: approvalId,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

export function cardOf(call: SlackCall | undefined): { id: string; ts: string; threadTs: string } {
  const blocks = (call?.params.blocks ?? []) as Array<{ block_id?: string; elements?: Array<{ value?: string }> }>;
  return {
    id: String(blocks.find((b) => b.block_id === 'decide')?.elements?.[0]?.value),
    ts: String(call?.response.ts),
    threadTs: String(call?.params.thread_ts),
  };
}

interface Trip {
  total: number;
  /** slash ack, card posted (from the slash command), Bob's ack, Carol's ack, Carol's ack → job started. */
  stages: number[];
}

const STAGES = [
  'slash command ack',
  'slash command → card posted',
  'first approval ack',
  'second approval ack',
  'second approval ack → job started',
];

async function round(
  app: VoidApp,
  fake: FakeSlackApi,
  started: Map<string, (at: number) => void>,
  tag: string,
): Promise<Trip[]> {
  const base = `http://127.0.0.1:${app.port}`;
  const trips: Trip[] = [];
  for (let i = 0; i < TRIPS; i++) {
    const channel = `C${tag}${String(i).padStart(5, '0')}`.toUpperCase();
    const jobStarted = new Promise<number>((resolve) => started.set(channel, resolve));
    const t0 = performance.now();
    const ask = await postSlack(base, {
      body: slashForm({ text: 'deploy payments to production', user: USERS.alice, channel }),
    });
    const ta = performance.now();
    const [cardCall] = await fake.waitFor(
      'chat.postMessage',
      (c) => c.params.channel === channel && JSON.stringify(c.params.blocks ?? '').includes('void_approve'),
      1,
      10_000,
    );
    const card = cardOf(cardCall);
    const tc = performance.now();
    const bob = await postSlack(base, { body: click(USERS.bob, card.id, channel, card.ts, card.threadTs) });
    const t1 = performance.now();
    const carol = await postSlack(base, { body: click(USERS.carol, card.id, channel, card.ts, card.threadTs) });
    const t2 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const at = await Promise.race([
      jobStarted,
      new Promise<number>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`B4: the job of ${channel} did not start`)), 10_000)),
      ),
    ]);
    clearTimeout(timer);
    if ([ask, bob, carol].some((r) => r.status !== 200))
      throw new Error(`B4: Slack requests answered ${ask.status}/${bob.status}/${carol.status}`);
    trips.push({ total: at - t0, stages: [ta - t0, tc - t0, t1 - tc, t2 - t1, at - t2] });
    started.delete(channel);
  }
  return trips;
}

export async function b4(): Promise<BenchResult> {
  const fake = await new FakeSlackApi().start();
  const started = new Map<string, (at: number) => void>();
  let runs = 0;
  const deploy: VoidModule = {
    name: 'bench-deploy-noop',
    setup: async () => ({
      kinds: ['deploy'],
      processors: () =>
        new Map([
          [
            'deploy',
            async (ctx) => {
              started.get(ctx.data.thread.channel.split('/').pop() ?? '')?.(performance.now());
              runs += 1;
              return { summary: 'deployed (bench no-op)' };
            },
          ],
        ]),
    }),
  };
  const config = testConfig({ yaml: BENCH_YAML, env: slackEnv(fake) });
  const app = await VoidApp.create(
    config,
    {
      role: 'all',
      redisUrl: REDIS_URL,
      prefix: uniqueId('b4'),
      queueName: uniqueId('b4q'),
      log: pino({ level: 'silent' }),
    },
    [approvalsModule(), createSlackModule(), deploy],
  );
  await app.start();
  const p99: number[] = [];
  const p50: number[] = [];
  const stages: Record<string, number[]> = Object.fromEntries(STAGES.map((s) => [`p99 ms, ${s}`, []]));
  try {
    await round(app, fake, started, 'warm');
    for (let r = 0; r < ROUNDS; r++) {
      const trips = await round(app, fake, started, `r${r}`);
      const totals = trips.map((t) => t.total);
      p99.push(percentile(totals, 99));
      p50.push(percentile(totals, 50));
      STAGES.forEach((s, k) =>
        stages[`p99 ms, ${s}`]?.push(
          percentile(
            trips.map((t) => t.stages[k] ?? 0),
            99,
          ),
        ),
      );
    }
  } finally {
    await app.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await app.stop(2000);
    await fake.stop();
  }
  const expected = TRIPS * (ROUNDS + 1);
  return {
    id: 'B4',
    title:
      `approval round trip over signed Slack requests (request → card → 2 approvals → job started), ${TRIPS} trips ` +
      `× ${ROUNDS} rounds`,
    unit: 'ms p99',
    target: 'p99 < 50 ms',
    void: p99,
    extra: { 'p50 ms': p50, ...stages, 'jobs run (expected one per trip)': [runs, expected] },
    met: median(p99) < 50 && runs === expected,
  };
}
