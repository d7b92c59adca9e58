// Notification test helpers: a real SMTP server on loopback (the `smtp-server` package) that records what it is
// handed and can be told to fail, and a real HTTP webhook receiver on loopback that verifies Standard Webhooks
// signatures with the `standardwebhooks` package's own verifier.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { listenOnLoopback } from './loopback.js';

export interface ReceivedMail {
  readonly to: string[];
  /** The raw message with quoted-printable soft line breaks joined, for substring checks. */
  readonly raw: string;
}

export interface LoopbackSmtp {
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** DATA attempts answered 451 so far. */
  readonly refused: () => number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** An SMTP server on 127.0.0.1; `failFirst` DATA commands are answered "451 try later". */
export async function startSmtp(options: { failFirst?: number } = {}): Promise<LoopbackSmtp> {
  const mails: ReceivedMail[] = [];
  let toFail = options.failFirst ?? 0;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (toFail > 0) {
          toFail--;
          refused++;
          callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/=\r?\n/g, '');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refused: () => refused,
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (mails.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      return mails;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
  /** The verified payload (undefined when verification failed). */
  readonly payload?: { type: string; timestamp: string; data: Record<string, unknown> };
}

export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Status to answer next: a function of the attempt number (1-based). */
  answer: (n: number) => number;
  accepted(): Delivery[];
  waitForAccepted(count: number, timeoutMs?: number): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export const WEBHOOK_SECRET = `whsec_${Buffer.from('void-test-webhook-secret-0123456789').toString('base64')}`;

/** A webhook receiver on loopback; it verifies every request with standardwebhooks and answers 401 when invalid. */
export async function startReceiver(secret = WEBHOOK_SECRET): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const deliveries: Delivery[] = [];
  const receiver = {
    deliveries,
    answer: (_n: number) => 200,
  } as Receiver & { answer: (n: number) => number };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: Delivery['payload'];
      try {
        payload = verifier.verify(body, req.headers as Record<string, string>) as Delivery['payload'];
      } catch {
        payload = undefined;
      }
      const status = payload ? receiver.answer(deliveries.length + 1) : 401;
      deliveries.push({ headers: req.headers, body, status, ...(payload ? { payload } : {}) });
      res
        .writeHead(status, status >= 300 && status < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {})
        .end('ok');
    });
  });
  const url = await listenOnLoopback(server);
  return Object.assign(receiver, {
    url: `${url}/hook`,
    accepted: () => deliveries.filter((d) => d.status >= 200 && d.status < 300),
    async waitForAccepted(count: number, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (receiver.accepted().length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      return receiver.accepted();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Polls until the check passes (or the time is up); resolves the last value. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}
