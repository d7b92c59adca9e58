// Raw HTTP for the inbound pipeline tests: fetch joins a repeated header into one line, so a header sent twice (two
// lines, as a proxy or an attacker can send it) needs node:http, which writes one line per value of an array.
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export function postRaw(
  baseUrl: string,
  path: string,
  headers: Record<string, string | string[]>,
  body: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** JSON text nesting `levels` objects deep under `key` (`{"key":{"key":…{}}}`). */
export function nested(levels: number, key = 'a'): string {
  return `${`{"${key}":`.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}
