// Loopback stand-ins for Slack's Web API and GitHub's REST API during benchmarks: they answer every call with a
// plausible success, so that Void's outbound traffic costs what a fast platform would cost, and count the calls.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from './baselines.js';

export interface FakePlatform extends RunningServer {
  calls: number;
  /** Calls per method path (e.g. `/api/chat.postMessage`). */
  readonly byPath: Map<string, number>;
}

export async function fakePlatform(kind: 'slack' | 'github'): Promise<FakePlatform> {
  let n = 0;
  const state = { calls: 0, byPath: new Map<string, number>() };
  const server = createServer((req, res) => {
    state.calls += 1;
    const path = (req.url ?? '').split('?')[0] ?? '';
    state.byPath.set(path, (state.byPath.get(path) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      n += 1;
      const url = req.url ?? '';
      let status = 200;
      let body: unknown;
      if (kind === 'slack')
        body = {
          ok: true,
          ts: `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`,
          channel: 'C0BENCH01',
          message: { ts: `${n}.0` },
        };
      else if (url.endsWith('/access_tokens')) {
        status = 201;
        body = {
          token: 'ghs_benchinstallationtoken',
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: 'all',
        };
      } else if (req.method === 'GET') body = [];
      else {
        status = 201;
        body = {
          id: n,
          node_id: `N${n}`,
          html_url: `https://github.example/acme/api/pull/42#issuecomment-${n}`,
          body: '',
          content: 'eyes',
        };
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url: kind === 'slack' ? `${url}/api/` : url,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

export function rsaPrivateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
}
