// Teams test helpers: a fake Bot Connector on loopback that records what Void posts, fixture activities, card
// clicks and the tenants file. Keys, tokens and the OpenID endpoint are in teams-identity.ts (re-exported).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { EXAMPLE_YAML } from './app.js';
import { listenOnLoopback } from './loopback.js';
import { createServer as createNetServer } from 'node:net';
import { BOT_APP_ID, BOT_APP_PASSWORD, createTestKey, OpenIdServer, readJson, type TestKey } from './teams-identity.js';
export * from './teams-identity.js';

export interface ConnectorCall {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly authorization?: string | undefined;
  /** The id the fake answered with (new activity or conversation id). */
  readonly responseId: string;
}

/** A fake Bot Connector: records every call Void makes and answers as the real service does. */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  url = '';
  private counter = 0;
  private waiters: Array<() => void> = [];
  private readonly server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const update = /\/activities\/([^/]+)$/.exec(req.url ?? '');
      let responseId: string;
      if (req.method === 'POST' && req.url === '/v3/conversations') responseId = `a:personal-${++this.counter}`;
      else if (req.method === 'PUT' && update) responseId = decodeURIComponent(update[1] ?? '');
      else responseId = `activity-${++this.counter}`;
      this.calls.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: (body ?? {}) as Record<string, unknown>,
        authorization: req.headers.authorization,
        responseId,
      });
      for (const wake of this.waiters.splice(0)) wake();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: responseId }));
    });
  });

  static async start(): Promise<FakeConnector> {
    const connector = new FakeConnector();
    connector.url = `${await listenOnLoopback(connector.server)}/`;
    return connector;
  }

  /** Resolves when the recorded calls satisfy the predicate (checked on every call), or rejects after a timeout. */
  async waitFor<T>(
    predicate: (calls: readonly ConnectorCall[]) => T | undefined | false,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = predicate(this.calls);
      if (result) return result;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for Bot Connector calls; got:\n` +
            this.calls.map((c) => `${c.method} ${c.path} ${JSON.stringify(c.body).slice(0, 200)}`).join('\n'),
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What a Teams test talks to: a signing key published by a local OpenID endpoint, and a fake Bot Connector. */
export interface TeamsFakes {
  readonly key: TestKey;
  readonly openId: OpenIdServer;
  readonly connector: FakeConnector;
  close(): Promise<void>;
}

export async function startTeamsFakes(): Promise<TeamsFakes> {
  const key = await createTestKey();
  const openId = await OpenIdServer.start([key]);
  const connector = await FakeConnector.start();
  return { key, openId, connector, close: async () => void (await Promise.all([openId.close(), connector.close()])) };
}

const FIXTURES = new URL('../fixtures/teams/', import.meta.url);

/** A fixture activity with a fresh id and the fake connector's serviceUrl. */
export function fixture(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const activity = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Record<string, unknown>;
  return { ...activity, id: `${randomUUID()}`, ...overrides };
}

/** POSTs an activity to Void's /api/messages with a token signed by `key` (or the given Authorization header). */
export async function postActivity(
  baseUrl: string,
  activity: Record<string, unknown>,
  auth: { token?: string; header?: string },
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const authorization = auth.header ?? (auth.token ? `Bearer ${auth.token}` : undefined);
  if (authorization) headers.authorization = authorization;
  const response = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers, body: JSON.stringify(activity) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

export function teamsEnv(openId: OpenIdServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MICROSOFT_APP_ID: BOT_APP_ID,
    MICROSOFT_APP_PASSWORD: BOT_APP_PASSWORD,
    MICROSOFT_OPENID_METADATA_URL: openId.metadataUrl,
    ...extra,
  };
}

/** AAD object ids of the example tenant's members (only Alice has one in void.example.yaml). */
export const AAD = {
  tenant: '72f988bf-0000-4000-8000-00000000acme',
  alice: '00000000-0000-4000-8000-0000000a11ce',
  bob: '00000000-0000-4000-8000-000000000b0b',
  carol: '00000000-0000-4000-8000-0000000ca401',
  dave: '00000000-0000-4000-8000-00000000da7e',
} as const;

/** The example tenants file with Teams identities for Bob, Carol and Dave too, and extra YAML edits. */
export function teamsTenantsYaml(
  edit: (doc: { tenants: Array<Record<string, unknown>> }) => void = () => undefined,
): string {
  const doc = parse(EXAMPLE_YAML) as {
    tenants: Array<
      { id: string; members: Array<{ id: string; identities: Record<string, unknown> }> } & Record<string, unknown>
    >;
  };
  const acme = doc.tenants.find((t) => t.id === 'acme');
  for (const member of acme?.members ?? []) {
    const id = AAD[member.id as keyof typeof AAD];
    if (id) member.identities.teams = id;
  }
  edit(doc);
  return stringify(doc);
}

/** An Action.Execute click on an approval card, as Teams sends it (invoke `adaptiveCard/action`). */
export function cardClick(options: {
  serviceUrl: string;
  aadObjectId: string;
  verb: 'void.approve' | 'void.reject';
  approvalId: string;
  reason?: string;
  tenantId?: string;
  id?: string;
  replyToId?: string;
}): Record<string, unknown> {
  const base = fixture('adaptive-card-action', { serviceUrl: options.serviceUrl });
  const data: Record<string, unknown> = { approvalId: options.approvalId };
  if (options.reason !== undefined) data.reason = options.reason;
  const tenantId = options.tenantId ?? AAD.tenant;
  return {
    ...base,
    ...(options.id ? { id: options.id } : {}),
    replyToId: options.replyToId ?? '1485983410000',
    from: { id: `29:${options.aadObjectId}`, name: 'Clicker', aadObjectId: options.aadObjectId },
    conversation: { ...(base.conversation as object), tenantId },
    channelData: { ...(base.channelData as object), tenant: { id: tenantId } },
    value: {
      action: {
        type: 'Action.Execute',
        title: options.verb === 'void.approve' ? 'Approve' : 'Reject',
        verb: options.verb,
        data,
      },
      trigger: 'manual',
    },
  };
}

/** A loopback port that nothing listens on (bound, then released): a host that "does not answer". */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
