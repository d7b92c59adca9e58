// The dashboard's two static files (script and style), read once at start and served with long-lived validators.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpServer } from '../http/server.js';
import { securityHeaders } from './html.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'static');
const FILES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export function registerStatic(http: HttpServer, secure: boolean): void {
  for (const [name, type] of Object.entries(FILES)) {
    const body = readFileSync(resolve(DIR, name));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    http.route('GET', `/dashboard/static/${name}`, (req) => {
      const headers = { ...securityHeaders(secure), 'content-type': type, etag, 'cache-control': 'no-cache' };
      return req.headers['if-none-match'] === etag ? { status: 304, headers } : { status: 200, headers, body };
    });
  }
}
