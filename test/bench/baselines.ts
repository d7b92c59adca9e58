// The baselines of B1 and B2: the bare libraries doing only what a platform demands (verify and ack).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bolt from '@slack/bolt';
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
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
  const app = new bolt.App({ receiver, authorize: async () => ({ botToken: SLACK_BENCH_TOKEN, botId: 'B0BENCH', botUserId: 'U0BENCH' }) });
  app.command('/void', async ({ ack }) => {
    await ack();
  });
  const server = createServer((req, res) => receiver.requestListener(req, res));
  const url = await listen(server);
  return { url: `${url}/slack/events`, close: () => new Promise((r) => server.close(() => r())) };
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
