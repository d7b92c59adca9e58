// Outbound HTTP for webhooks, guarded against SSRF: the host is resolved first, every address it resolves to is
// checked (loopback, link-local, private, carrier-grade NAT, metadata, multicast, reserved are refused unless the
// operator's allow-list names the host or the address), and the connection is pinned to the checked address so that
// a second DNS answer cannot swap it (rebinding). Redirects are never followed; request and response bodies and the
// whole exchange are capped.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { refuse, type Refusal } from '../../bot/core/outcome.js';

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const defaultResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedV4(address: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [hi, lo] = [Number.parseInt(hex[1] ?? '0', 16), Number.parseInt(hex[2] ?? '0', 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for addresses a webhook may not reach without the operator's say-so. */
export function isInternalAddress(address: string): boolean {
  const v4 = isIP(address) === 6 ? embeddedV4(address) : address;
  if (v4 && isIP(v4) === 4) return BLOCKED.check(v4, 'ipv4');
  return isIP(address) === 6 ? BLOCKED.check(address, 'ipv6') : true;
}

/** The operator's allow-list (VOID_OUTBOUND_ALLOW): host names, host:port, addresses and CIDR ranges. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();

  constructor(spec: string | undefined) {
    for (const raw of (spec ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)) {
      const [net, bits] = raw.split('/');
      if (bits !== undefined && net && isIP(net))
        this.ranges.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
      else if (isIP(raw)) this.ranges.addAddress(raw, isIP(raw) === 6 ? 'ipv6' : 'ipv4');
      else this.hosts.add(raw.replace(/^\[|\]$/g, ''));
    }
  }

  allows(url: URL, address: string): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (this.hosts.has(host) || this.hosts.has(`${host}:${port}`)) return true;
    return Boolean(isIP(address)) && this.ranges.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Why Void will not call a webhook endpoint. */
export type Refused = {
  ok: false;
  refusal: Refusal<'webhook.bad_url' | 'webhook.blocked_address' | 'webhook.unresolvable'>;
};
const no = (refusal: Refused['refusal']): Refused => ({ ok: false, refusal });
export type Target = { ok: true; url: URL; address: string; family: number };

/** Resolves and checks a webhook URL. A refusal says why, naming the address class but never a secret. */
export async function checkTarget(
  raw: string,
  allow: AllowList,
  resolve: Resolver = defaultResolver,
): Promise<Target | Refused> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return no(refuse('webhook.bad_url', { problem: 'unparsable' }));
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return no(refuse('webhook.bad_url', { problem: 'scheme', scheme: url.protocol }));
  if (url.username || url.password) return no(refuse('webhook.bad_url', { problem: 'credentials' }));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch {
    return no(refuse('webhook.unresolvable', { host }));
  }
  const first = addresses[0];
  if (!first) return no(refuse('webhook.unresolvable', { host }));
  for (const a of addresses) {
    if (isInternalAddress(a.address) && !allow.allows(url, a.address)) {
      return no(refuse('webhook.blocked_address', { host, address: a.address }));
    }
  }
  return { ok: true, url, address: first.address, family: first.family };
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface PostResult {
  readonly status: number;
  /** At most maxResponseBytes of the answer (only its length is ever logged). */
  readonly bytes: number;
}

/** POSTs to a checked target, connecting to exactly the checked address. Never follows a redirect. */
export function postPinned(target: Target, options: PostOptions): Promise<PostResult> {
  const client = target.url.protocol === 'https:' ? https : http;
  const pinned = (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
  return new Promise((resolve, reject) => {
    const req = client.request(target.url, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
      lookup: pinned as never,
      timeout: options.timeoutMs,
      agent: false,
    });
    const deadline = setTimeout(() => req.destroy(new Error('webhook.timeout')), options.timeoutMs);
    req.on('timeout', () => req.destroy(new Error('webhook.timeout')));
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > options.maxResponseBytes) res.destroy();
      });
      const done = () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, bytes: Math.min(bytes, options.maxResponseBytes) });
      };
      res.on('end', done);
      res.on('close', done);
    });
    req.end(options.body);
  });
}
