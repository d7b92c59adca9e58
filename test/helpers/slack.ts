// Slack test helpers: sign requests the way Slack does, load fixtures copied from Slack's documentation, and a fake
// Slack Web API on loopback that records every call (method, params, token) and lets a test script answers.
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLACK_BOT_TOKEN } from '../fixtures/fake-secrets.js';
import { listenOnLoopback } from './loopback.js';

export const SIGNING_SECRET = 'test-signing-secret-8f2b7c1d9e';
export const BOT_TOKEN = SLACK_BOT_TOKEN;
export const BOT_ID = 'B0VOID0001';
export const BOT_USER_ID = 'U0VOID0001';
export const ACME_TEAM = 'T0ACME001';
export const USERS = {
  alice: 'U0ALICE01',
  bob: 'U0BOB0001',
  carol: 'U0CAROL01',
  dave: 'U0DAVE001',
  erin: 'U0ERIN001',
} as const;

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/slack');

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

export function fixtureText(name: string): string {
  return readFileSync(resolve(FIXTURES, name), 'utf8').trim();
}

/** Slack's v0 signature of a body at a timestamp (seconds). */
export function signSlack(body: string, secret: string, ts: number | string): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface SlackPost {
  readonly body: string;
  readonly contentType?: string;
  readonly ts?: number | string;
  readonly secret?: string;
  readonly headers?: Record<string, string>;
  readonly unsigned?: boolean;
}

/** Sends a request to Void's /slack/events exactly as Slack would (raw bytes, explicit content type). */
export async function postSlack(
  baseUrl: string,
  request: SlackPost,
): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  const signed = request.unsigned
    ? {}
    : signSlack(request.body, request.secret ?? SIGNING_SECRET, request.ts ?? nowSeconds());
  const response = await fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': request.contentType ?? 'application/x-www-form-urlencoded',
      ...signed,
      ...request.headers,
    },
    body: request.body,
  });
  return { status: response.status, text: await response.text(), ms: Date.now() - started };
}

/** A slash command as form fields (the documented example, with our fields replacing its ids). */
export function slashForm(fields: {
  text: string;
  user?: string;
  team?: string;
  channel?: string;
  trigger?: string;
}): string {
  const form = new URLSearchParams(fixtureText('slash-command.txt'));
  form.set('command', '/void');
  form.set('text', fields.text);
  form.set('team_id', fields.team ?? ACME_TEAM);
  form.delete('enterprise_id');
  form.delete('enterprise_name');
  form.set('user_id', fields.user ?? USERS.alice);
  form.set('channel_id', fields.channel ?? 'C0DEPLOYS');
  form.set('trigger_id', fields.trigger ?? `trig-${Math.random().toString(36).slice(2)}`);
  return form.toString();
}

/** An `@Void <text>` app_mention event_callback body (a mention's `status` is a job; a slash command's is not). */
export function mentionEvent(fields: {
  text: string;
  team: string;
  user: string;
  channel: string;
  eventId: string;
  ts: string;
  botUserId?: string;
}): string {
  return JSON.stringify({
    type: 'event_callback',
    team_id: fields.team,
    api_app_id: 'A0BENCH01',
    event_id: fields.eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'app_mention',
      user: fields.user,
      text: `<@${fields.botUserId ?? 'U0VOIDBOT'}> ${fields.text}`,
      channel: fields.channel,
      ts: fields.ts,
    },
  });
}

export function interactionForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface SlackCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly token: string | undefined;
  /** When the call arrived (ms since the epoch). */
  readonly at: number;
  /** What the fake answered (e.g. the `ts` of a posted message). */
  readonly response: Record<string, unknown>;
}

type Script = (
  params: Record<string, unknown>,
) =>
  { status?: number; headers?: Record<string, string>; body?: Record<string, unknown>; delayMs?: number } | undefined;

/** A fake Slack Web API (`SLACK_API_URL=${fake.apiUrl}`): records calls, answers like Slack, scriptable per method. */
export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  private readonly events = new EventEmitter();
  private readonly scripts = new Map<string, Script>();
  private server: Server | undefined;
  private seq = 0;
  url = '';

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Overrides the answer to a method; return undefined from the script to answer normally. */
  script(method: string, script: Script): void {
    this.scripts.set(method, script);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves when `count` calls of `method` (matching `where`) have arrived; rejects after `timeoutMs`. */
  waitFor(
    method: string,
    where: (call: SlackCall) => boolean = () => true,
    count = 1,
    timeoutMs = 8_000,
  ): Promise<SlackCall[]> {
    const matching = () => this.callsOf(method).filter(where);
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const found = matching();
        if (found.length >= count) {
          clearTimeout(timer);
          this.events.off('call', check);
          resolvePromise(found);
        }
      };
      const timer = setTimeout(() => {
        this.events.off('call', check);
        reject(
          new Error(
            `timed out waiting for ${count} ${method} call(s); ` +
              `got ${matching().length}: ${JSON.stringify(this.calls.map((c) => c.method))}`,
          ),
        );
      }, timeoutMs);
      this.events.on('call', check);
      check();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const params = parseParams(raw, String(req.headers['content-type'] ?? ''));
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined;
    const scripted = this.scripts.get(method)?.(params);
    if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    const body = scripted?.body ?? this.answer(method, params);
    if (!scripted || (scripted.status ?? 200) === 200) {
      this.calls.push({ method, params, token, at: Date.now(), response: body });
      this.events.emit('call');
    }
    res.writeHead(scripted?.status ?? 200, { 'content-type': 'application/json', ...scripted?.headers });
    res.end(JSON.stringify(body));
  }

  private answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    this.seq += 1;
    const ts = `1700000000.${String(this.seq).padStart(6, '0')}`;
    switch (method) {
      case 'chat.postMessage':
        return { ok: true, channel: params.channel, ts, message: { text: params.text, ts } };
      case 'chat.update':
        return { ok: true, channel: params.channel, ts: params.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: ts };
      case 'auth.test':
        return { ok: true, user_id: BOT_USER_ID, bot_id: BOT_ID, team_id: ACME_TEAM };
      default:
        return { ok: true };
    }
  }
}

function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Environment for a single-workspace Slack test app talking to the fake. */
export function slackEnv(fake: FakeSlackApi, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_BOT_ID: BOT_ID,
    SLACK_BOT_USER_ID: BOT_USER_ID,
    SLACK_API_URL: fake.apiUrl,
    SLACK_CHANNEL_PACE_MS: '0',
    ...extra,
  };
}
