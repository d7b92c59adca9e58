// A loopback OpenID Connect provider for the dashboard tests: discovery, JWKS, an authorisation endpoint that signs
// in whoever the test names (no login form), and a token endpoint that checks the client secret and the PKCE
// verifier and issues a real RS256-signed ID token (jose). Tests can make it misbehave (wrong key, wrong nonce).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { listenOnLoopback } from './loopback.js';

export interface IdpUser {
  readonly sub: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
}

interface Grant {
  readonly user: IdpUser;
  readonly nonce: string;
  readonly challenge: string;
  readonly redirectUri: string;
}

export class FakeIdp {
  url = '';
  /** Who the next authorisation signs in. */
  user: IdpUser = { sub: 'okta|bob', email: 'bob@acme.example', emailVerified: true };
  /** Misbehaviours: sign with a key not in the JWKS, or put another nonce in the token. */
  forge: { wrongKey?: boolean; wrongNonce?: boolean } = {};
  readonly tokenRequests: URLSearchParams[] = [];
  private server: Server | undefined;
  private key!: CryptoKey;
  private otherKey!: CryptoKey;
  private jwk!: JWK;
  private readonly codes = new Map<string, Grant>();

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  async start(): Promise<this> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    this.key = pair.privateKey;
    this.otherKey = (await generateKeyPair('RS256')).privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        jwks_uri: `${this.url}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [this.jwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== this.clientId || q.get('code_challenge_method') !== 'S256')
        return json(400, { error: 'invalid_request' });
      const code = randomBytes(12).toString('hex');
      this.codes.set(code, {
        user: this.user,
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        redirectUri: q.get('redirect_uri') ?? '',
      });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      back.searchParams.set('iss', this.url);
      return { status: 302, headers: { location: back.href }, body: '' };
    }
    if (url.pathname === '/token' && req.method === 'POST') return this.token(new URLSearchParams(await readAll(req)));
    return json(404, { error: 'not_found' });
  }

  private async token(form: URLSearchParams) {
    this.tokenRequests.push(form);
    const json = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const grant = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret)
      return json(401, { error: 'invalid_client' });
    const verifier = form.get('code_verifier') ?? '';
    if (
      !grant ||
      grant.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
    )
      return json(400, { error: 'invalid_grant' });
    const claims: Record<string, unknown> = { nonce: this.forge.wrongNonce ? 'not-the-nonce' : grant.nonce };
    if (grant.user.email)
      Object.assign(claims, { email: grant.user.email, email_verified: grant.user.emailVerified ?? true });
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.url)
      .setAudience(this.clientId)
      .setSubject(grant.user.sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.forge.wrongKey ? this.otherKey : this.key);
    return json(200, {
      access_token: randomBytes(16).toString('hex'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken,
    });
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
