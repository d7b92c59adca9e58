// The two ends of a request on the wire, for bot/http/server.ts: reading the raw body under a byte limit (the
// adapters verify signatures over exactly these bytes) and writing a response (JSON, text, bytes or a stream).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpResponse } from '../core/http.js';

/** Reads the body up to `limit` bytes: refuses early on Content-Length, and stops buffering past the limit. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too_large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        // Most bodies arrive in one chunk: that chunk is the body, not copied.
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve('aborted');
      }
    });
    req.on('close', () => {
      if (!done) {
        done = true;
        resolve('aborted');
      }
    });
  });
}

export function send(res: ServerResponse, response: HttpResponse, req?: IncomingMessage): void {
  if (res.headersSent || res.destroyed) return;
  const extra = response.headers;
  const body = response.body;
  if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body) && Symbol.asyncIterator in body) {
    res.writeHead(response.status, { 'x-content-type-options': 'nosniff', ...extra });
    Readable.from(body as AsyncIterable<string | Buffer>)
      .on('error', () => res.destroy())
      .pipe(res);
    return;
  }
  let payload: string | Buffer = '';
  let json = false;
  if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    json = true;
  }
  // A flat list, in the order of the lines sent (no object to build and walk): nosniff and the JSON type unless the
  // response names its own, the response's headers, and the length of what is sent.
  const headers: string[] =
    extra?.['x-content-type-options'] !== undefined ? [] : ['x-content-type-options', 'nosniff'];
  if (extra) for (const name in extra) if (name !== 'content-length') headers.push(name, extra[name] as string);
  if (json && extra?.['content-type'] === undefined) headers.push('content-type', 'application/json; charset=utf-8');
  headers.push('content-length', String(Buffer.byteLength(payload)));
  res.writeHead(response.status, headers);
  res.end(req?.method === 'HEAD' ? undefined : payload);
  if (extra?.connection === 'close') req?.resume();
}
