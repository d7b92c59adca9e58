// The Bot Framework's identity side for the Teams tests: the app's id and password, a generated RSA signing key
// published by a local OpenID metadata endpoint, tokens signed with it, and the Microsoft login endpoints behind
// nock. helpers/teams.ts re-exports all of it with the fake Bot Connector and the fixtures.
import { createServer, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import nock from 'nock';
import { listenOnLoopback } from './loopback.js';

export const BOT_APP_ID = 'c9e8c047-2a74-40a2-b28a-b162d5f5327c';
export const BOT_APP_PASSWORD = 'teams-test-app-password-0123456789';
export const ISSUER = 'https://api.botframework.com';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface TestKey {
  readonly kid: string;
  readonly pair: KeyPair;
  readonly jwk: JWK;
}

export async function createTestKey(
  kid = `kid-${randomUUID().slice(0, 8)}`,
  endorsements: string[] = ['msteams'],
): Promise<TestKey> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, kty: 'RSA', use: 'sig', endorsements } as JWK;
  return { kid, pair, jwk };
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** The Bot Framework's OpenID metadata and key set, served on loopback. `keys` may be replaced (rotation). */
export class OpenIdServer {
  keys: JWK[] = [];
  metadataRequests = 0;
  keyRequests = 0;
  url = '';
  private readonly server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration') {
      this.metadataRequests += 1;
      res.end(
        JSON.stringify({
          issuer: ISSUER,
          jwks_uri: `${this.url}/v1/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    } else if (req.url === '/v1/keys') {
      this.keyRequests += 1;
      res.end(JSON.stringify({ keys: this.keys }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });

  static async start(keys: TestKey[]): Promise<OpenIdServer> {
    const server = new OpenIdServer();
    server.keys = keys.map((k) => k.jwk);
    server.url = await listenOnLoopback(server.server);
    return server;
  }

  get metadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface TokenOptions {
  readonly key: TestKey;
  readonly serviceUrl: string;
  readonly audience?: string;
  readonly issuer?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
}

export async function signToken(options: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ serviceurl: options.serviceUrl })
    .setProtectedHeader({ alg: 'RS256', kid: options.key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? BOT_APP_ID)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(options.key.pair.privateKey);
}

/** The outbound token endpoint (MSAL, client credentials) at login.microsoftonline.com, faked with nock. */
export function interceptLogin(): nock.Scope {
  return nock('https://login.microsoftonline.com')
    .persist()
    .get(/.*/)
    .reply(200, (uri) => openIdConfigurationFor(uri))
    .post(/\/oauth2\/v2\.0\/token/)
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'outbound-test-token' });
}

function openIdConfigurationFor(uri: string): Record<string, unknown> {
  const tenant = uri.split('/')[1] ?? 'botframework.com';
  const base = `https://login.microsoftonline.com/${tenant}`;
  if (uri.includes('discovery/instance')) {
    return {
      tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: 'login.microsoftonline.com',
          preferred_cache: 'login.windows.net',
          aliases: ['login.microsoftonline.com', 'login.windows.net'],
        },
      ],
    };
  }
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'token'],
  };
}
