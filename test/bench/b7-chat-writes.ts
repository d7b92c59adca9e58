// B7: how many Slack writes (chat.postMessage, chat.update, chat.postEphemeral) one command costs, through Void's real
// Slack endpoint with Slack's Web API faked on loopback: a `/void status` slash command until its result is shown,
// and an approval conversation (deploy request → card → two approvals → job started): writes in all and card
// updates per decision. Slack paces writes to about one a second per channel, so each write is latency people see.
import pino from 'pino';
import { approvalsModule } from '../../approvals/module.js';
import { VoidApp } from '../../bot/app.js';
import type { VoidModule } from '../../bot/modules.js';
import { createSlackModule } from '../../bot/slack/module.js';
import { REDIS_URL, testConfig, uniqueId } from '../helpers/app.js';
import { FakeSlackApi, USERS, postSlack, slackEnv, slashForm, type SlackCall } from '../helpers/slack.js';
import { cardOf, click } from './b4-approvals.js';
import { BENCH_YAML, median, type BenchResult } from './lib.js';

const COMMANDS = Number(process.env.B7_COMMANDS ?? 20);
const WRITES = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
const settle = () => new Promise((r) => setTimeout(r, 1500));

function writesIn(fake: FakeSlackApi, channel: string): SlackCall[] {
  return fake.calls.filter((c) => WRITES.has(c.method) && c.params.channel === channel);
}

export async function b7(): Promise<BenchResult[]> {
  const fake = await new FakeSlackApi().start();
  const started = new Set<string>();
  const deploy: VoidModule = {
    name: 'bench-deploy-noop',
    setup: async () => ({
      kinds: ['deploy'],
      processors: () =>
        new Map([
          [
            'deploy',
            async (ctx) => (
              started.add(ctx.data.thread.channel.split('/').pop() ?? ''),
              { summary: 'deployed (bench no-op)' }
            ),
          ],
        ]),
    }),
  };
  const app = await VoidApp.create(
    testConfig({ yaml: BENCH_YAML, env: slackEnv(fake) }),
    {
      role: 'all',
      redisUrl: REDIS_URL,
      prefix: uniqueId('b7'),
      queueName: uniqueId('b7q'),
      log: pino({ level: 'silent' }),
    },
    [approvalsModule(), createSlackModule(), deploy],
  );
  await app.start();
  const base = `http://127.0.0.1:${app.port}`;
  const status: number[] = [];
  const conversation: number[] = [];
  const perDecision: number[] = [];
  try {
    for (let i = 0; i < COMMANDS; i++) {
      const channel = `C0STAT${String(i).padStart(4, '0')}`;
      const ack = await postSlack(base, { body: slashForm({ text: 'status', user: USERS.alice, channel }) });
      // Answered in the ack itself (the HTTP answer to the slash command); otherwise wait for the job's result.
      const answered = ack.text.startsWith('{') && String(JSON.parse(ack.text).text ?? '').includes('jobs in');
      if (!answered)
        await fake.waitFor(
          'chat.update',
          (c) => c.params.channel === channel && String(c.params.text ?? '').includes('status done'),
          1,
          10_000,
        );
      await settle();
      status.push(writesIn(fake, channel).length);
    }
    for (let i = 0; i < Math.max(3, Math.floor(COMMANDS / 4)); i++) {
      const channel = `C0APPR${String(i).padStart(4, '0')}`;
      await postSlack(base, { body: slashForm({ text: 'deploy payments to production', user: USERS.alice, channel }) });
      const [cardCall] = await fake.waitFor(
        'chat.postMessage',
        (c) => c.params.channel === channel && JSON.stringify(c.params.blocks ?? '').includes('void_approve'),
        1,
        10_000,
      );
      const card = cardOf(cardCall);
      const cardUpdates = () =>
        fake.calls.filter((c) => c.method === 'chat.update' && c.params.channel === channel && c.params.ts === card.ts)
          .length;
      const before = cardUpdates();
      await postSlack(base, { body: click(USERS.bob, card.id, channel, card.ts, card.threadTs) });
      await postSlack(base, { body: click(USERS.carol, card.id, channel, card.ts, card.threadTs) });
      for (let w = 0; w < 100 && !started.has(channel); w++) await new Promise((r) => setTimeout(r, 50));
      await settle();
      perDecision.push((cardUpdates() - before) / 2);
      conversation.push(writesIn(fake, channel).length);
    }
  } finally {
    await app.queue.queue.obliterate({ force: true }).catch(() => undefined);
    await app.stop(2000);
    await fake.stop();
  }
  return [
    {
      id: 'B7',
      title: `Slack writes per /void status (until its result shows), ${COMMANDS} commands`,
      unit: 'writes',
      target: '≤ 2 (0 beyond the ack is best)',
      void: status,
      met: median(status) <= 2,
    },
    {
      id: 'B7',
      title: 'Slack card updates per approval decision',
      unit: 'updates',
      target: '≤ 1',
      void: perDecision,
      met: Math.max(...perDecision) <= 1,
    },
    {
      id: 'B7',
      title: 'Slack writes per approval conversation (request → card → 2 approvals → job done)',
      unit: 'writes',
      target: '—',
      void: conversation,
    },
  ];
}
