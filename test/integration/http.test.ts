import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { registry } from '../../bot/metrics.js';
import { trackApps } from '../helpers/app.js';

const { start } = trackApps(afterEach);

describe('web role', () => {
  it('answers health and readiness with what it checked', async () => {
    const t = await start({ role: 'web' });
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', store: 'ok' } });
  });

  it('reports not ready when Redis is gone', async () => {
    const t = await start({ role: 'web' });
    t.app.redis.disconnect();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { redis: 'unreachable' } });
  });

  it('answers unknown paths and methods with 404 and 405, and garbage with 400', async () => {
    const t = await start({ role: 'web' });
    expect((await fetch(`${t.url}/nope`)).status).toBe(404);
    const post = await fetch(`${t.url}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: 'http.method_not_allowed' });
    // Garbage on the wire: Node's parser answers 400 and the process lives on.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(t.app.port ?? 0, '127.0.0.1', () => socket.end('GARBAGE /\u0000 HTTP/9.9\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('refuses a body over the limit with 413 before reading it all', async () => {
    const t = await start({ role: 'web' });
    t.app.http?.route('POST', '/echo', (req) => ({ status: 200, body: { bytes: req.body.length } }));
    const small = await fetch(`${t.url}/echo`, { method: 'POST', body: 'hello' });
    expect(await small.json()).toEqual({ bytes: 5 });
    const big = await fetch(`${t.url}/echo`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 120) });
    expect(big.status).toBe(413);
    // Chunked upload without a Content-Length: cut off once the limit is passed. The status line is read off the
    // socket, so a connection dropped without an answer fails the test (Void answers before it closes).
    const chunked = await new Promise<string>((resolve, reject) => {
      const chunk = Buffer.alloc(64 * 1024, 97);
      let answer = '';
      const socket = connect(t.app.port ?? 0, '127.0.0.1', () => {
        socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
        const pump = (sent: number): void => {
          if (sent >= 40 || answer || socket.destroyed) return;
          socket.write(`${chunk.length.toString(16)}\r\n`);
          socket.write(chunk);
          socket.write('\r\n', () => pump(sent + 1));
        };
        pump(0);
      });
      socket.on('data', (d) => (answer += String(d)));
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('no answer')), 5000).unref();
    });
    expect(chunked).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it("answers with nosniff, the JSON type and the length, keeping a handler's own headers", async () => {
    const t = await start({ role: 'web' });
    t.app.http?.route('POST', '/echo', (req) => ({ status: 201, body: { bytes: req.body.length } }));
    t.app.http?.route('GET', '/own', () => ({
      status: 200,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'content-length': '1' },
      body: { a: 1 },
    }));
    // A body of many chunks arrives whole.
    const echo = await fetch(`${t.url}/echo`, { method: 'POST', body: Buffer.alloc(300_000, 97) });
    expect(echo.status).toBe(201);
    expect(Object.fromEntries(echo.headers)).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-type': 'application/json; charset=utf-8',
      'content-length': '16',
    });
    expect(await echo.json()).toEqual({ bytes: 300_000 });
    const own = await fetch(`${t.url}/own`);
    expect(Object.fromEntries(own.headers)).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'content-length': '7',
    });
    expect(await own.json()).toEqual({ a: 1 });
  });

  it('counts every answer under the route that gave it, and refusals before any route as unmatched', async () => {
    const t = await start({ role: 'web' });
    const count = async (labels: Record<string, string>): Promise<number> => {
      const metric = registry.getSingleMetric('void_inbound_requests_total');
      const values = (await metric?.get())?.values ?? [];
      const found = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
      return found?.value ?? 0;
    };
    const unmatched = { platform: 'http', route: 'unmatched', outcome: 'bad_request' };
    const ready = { platform: 'http', route: '/readyz', outcome: 'ok' };
    const before = [await count(unmatched), await count(ready)];
    expect((await fetch(`${t.url}/nope`)).status).toBe(404);
    expect((await fetch(`${t.url}/readyz`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await expect
      .poll(async () => [await count(unmatched), await count(ready)])
      .toEqual([before[0]! + 2, before[1]! + 1]);
  });

  it('reads a request target as URL does: the query on demand, dot segments and escapes resolved', async () => {
    const t = await start({ role: 'web' });
    t.app.http?.route('GET', '/echo/:name', (req) => ({
      status: 200,
      body: { path: req.path, name: req.params.name, x: req.query.get('x') },
    }));
    expect(await (await fetch(`${t.url}/echo/a-b_c`)).json()).toEqual({ path: '/echo/a-b_c', name: 'a-b_c', x: null });
    expect(await (await fetch(`${t.url}/echo/a?x=1`)).json()).toEqual({ path: '/echo/a', name: 'a', x: '1' });
    // fetch() resolves dot segments itself: sent as written on a raw socket.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(t.app.port ?? 0, '127.0.0.1', () =>
        socket.write('GET /nope/../echo/%7Eb?x=2 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ path: '/echo/%7Eb', name: '~b', x: '2' });
  });

  it("aborts a request's signal when its client goes away, made only when a handler reads it", async () => {
    const t = await start({ role: 'web' });
    const seen: { copied?: boolean; aborted?: Promise<boolean> } = {};
    t.app.http?.route('GET', '/wait', (req) => {
      // A copy of the request (the inbound pipeline makes one) does not make the signal.
      seen.copied = 'signal' in { ...req };
      const signal = req.signal as AbortSignal;
      seen.aborted = new Promise((resolve) => signal.addEventListener('abort', () => resolve(true)));
      return new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: {} }), 10_000).unref());
    });
    const client = new AbortController();
    const answer = fetch(`${t.url}/wait`, { signal: client.signal }).catch(() => 'gone');
    await expect.poll(() => seen.aborted !== undefined).toBe(true);
    expect(seen.copied).toBe(false);
    client.abort();
    expect(await answer).toBe('gone');
    expect(await seen.aborted).toBe(true);
  });
});
