// The baselines of B1 and B2: the bare libraries doing only what a platform demands (verify and ack).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bolt from '@slack/bolt';
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
import { Queue } from 'bullmq';
import { SLACK_BENCH_TOKEN } from '../fixtures/fake-secrets.js';

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A bare Bolt app (its own HTTPReceiver) that verifies the signature and acks the slash command. */
export async function bareBolt(signingSecret: string): Promise<RunningServer> {
  const receiver = new bolt.HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
  const app = new bolt.App({
    receiver,
    authorize: async () => ({ botToken: SLACK_BENCH_TOKEN, botId: 'B0BENCH', botUserId: 'U0BENCH' }),
  });
  app.command('/void', async ({ ack }) => {
    await ack();
  });
  const server = createServer((req, res) => receiver.requestListener(req, res));
  const url = await listen(server);
  return { url: `${url}/slack/events`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A BullMQ queue on its own prefix for a peer, emptied and closed with the server. */
function peerQueue(redisUrl: string, name: string): Queue {
  return new Queue(name, {
    connection: { url: redisUrl },
    prefix: `bench-peer-${process.pid}-${Date.now().toString(36)}`,
  });
}

async function closeQueue(queue: Queue): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
}

/**
 * The peer of B1: what a team would hand-roll instead of Void. Bolt verifies the signature, the command becomes a
 * BullMQ job keyed by `trigger_id` (a redelivery adds nothing), then Bolt acks. One durable enqueue per command.
 */
export async function boltWithBullmq(signingSecret: string, redisUrl: string): Promise<RunningServer> {
  const queue = peerQueue(redisUrl, 'peer-slack');
  const receiver = new bolt.HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
  const app = new bolt.App({
    receiver,
    authorize: async () => ({ botToken: SLACK_BENCH_TOKEN, botId: 'B0BENCH', botUserId: 'U0BENCH' }),
  });
  app.command('/void', async ({ ack, command }) => {
    await queue.add(
      'command',
      { team: command.team_id, user: command.user_id, channel: command.channel_id, text: command.text },
      { jobId: command.trigger_id, removeOnComplete: true },
    );
    await ack();
  });
  const server = createServer((req, res) => receiver.requestListener(req, res));
  const url = await listen(server);
  return {
    url: `${url}/slack/events`,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await closeQueue(queue);
    },
  };
}

/** The peer of B2: @octokit/webhooks verifies, the comment becomes a BullMQ job keyed by the delivery id, then 200. */
export async function octokitWithBullmq(secret: string, redisUrl: string): Promise<RunningServer> {
  const queue = peerQueue(redisUrl, 'peer-github');
  const webhooks = new Webhooks({ secret });
  webhooks.on('issue_comment', async ({ id, payload }) => {
    await queue.add(
      'comment',
      {
        repo: payload.repository.full_name,
        number: payload.issue.number,
        user: payload.comment.user?.login,
        body: payload.comment.body,
      },
      { jobId: id, removeOnComplete: true },
    );
  });
  const middleware = createNodeMiddleware(webhooks, { path: '/github/webhooks' });
  const server = createServer((req, res) => {
    void middleware(req, res);
  });
  const url = await listen(server);
  return {
    url: `${url}/github/webhooks`,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await closeQueue(queue);
    },
  };
}

/** A bare @octokit/webhooks Node middleware that verifies and answers 200. */
export async function bareOctokit(secret: string): Promise<RunningServer> {
  const webhooks = new Webhooks({ secret });
  webhooks.on('issue_comment', () => undefined);
  const middleware = createNodeMiddleware(webhooks, { path: '/github/webhooks' });
  const server = createServer((req, res) => {
    void middleware(req, res);
  });
  const url = await listen(server);
  return { url: `${url}/github/webhooks`, close: () => new Promise((r) => server.close(() => r())) };
}
