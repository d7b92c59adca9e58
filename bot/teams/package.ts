// Builds the Teams app package (manifest.json + the two icons, zipped) for side-loading or the Developer Portal:
//   npm run teams:package -- --app-id <Microsoft App ID> --domain void.example.com [--privacy-url URL] [--terms-url
// URL] [--out dist/void-teams.zip] The privacy and terms links default to https://<domain>/privacy and /terms,
// which Void serves (legal.ts), or come from TEAMS_PRIVACY_URL / TEAMS_TERMS_URL. Teams shows at most 10 commands in
// its menu: manifest.json lists the ten most used; every other command works when typed (docs/teams.md).
// The zip is written with Node's zlib (no zip library or system tool needed).
import { crc32, deflateRawSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEnv } from '../config/load.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$/i;

export interface PackageOptions {
  readonly appId: string;
  readonly domain: string;
  /** The privacy statement; default https://<domain>/privacy (served by Void). */
  readonly privacyUrl?: string;
  readonly termsUrl?: string;
}

/** Teams' limit on the commands of one command list. */
export const MAX_MENU_COMMANDS = 10;

function httpsUrl(what: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') throw new Error(`The ${what} must be an https:// URL (got "${value}").`);
  return url.toString();
}

/** The manifest with the bot's app id and Void's public domain filled in; throws a clear message on bad values. */
export function buildManifest(template: string, options: PackageOptions): string {
  if (!GUID.test(options.appId)) throw new Error(`The Microsoft App ID must be a GUID (got "${options.appId}").`);
  if (!DOMAIN.test(options.domain))
    throw new Error(
      `The domain must be a host name such as void.example.com, without https:// (got "${options.domain}").`,
    );
  const privacy = httpsUrl('privacy URL', options.privacyUrl ?? `https://${options.domain}/privacy`);
  const terms = httpsUrl('terms URL', options.termsUrl ?? `https://${options.domain}/terms`);
  const text = template
    .replaceAll('{{MICROSOFT_APP_ID}}', options.appId)
    .replaceAll('{{VOID_DOMAIN}}', options.domain)
    .replaceAll('{{PRIVACY_URL}}', privacy)
    .replaceAll('{{TERMS_URL}}', terms);
  const manifest = JSON.parse(text) as { bots?: Array<{ commandLists?: Array<{ commands: unknown[] }> }> };
  const longest = Math.max(
    0,
    ...(manifest.bots ?? []).flatMap((b) => b.commandLists ?? []).map((l) => l.commands.length),
  );
  if (longest > MAX_MENU_COMMANDS)
    throw new Error(`A Teams command list holds at most ${MAX_MENU_COMMANDS} commands (the manifest has ${longest}).`);
  return text;
}

export function buildPackage(options: PackageOptions): Buffer {
  const manifest = buildManifest(readFileSync(resolve(HERE, 'manifest.json'), 'utf8'), options);
  return zip([
    { name: 'manifest.json', data: Buffer.from(manifest, 'utf8') },
    { name: 'color.png', data: readFileSync(resolve(HERE, 'color.png')) },
    { name: 'outline.png', data: readFileSync(resolve(HERE, 'outline.png')) },
  ]);
}

interface Entry {
  readonly name: string;
  readonly data: Buffer;
}

/** A zip archive (PKWARE APPNOTE 4.3: local headers, central directory, end record), entries deflated. */
export function zip(entries: readonly Entry[], date = new Date(Date.UTC(2026, 0, 1))): Buffer {
  const dosTime = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    local.copy(central, 6, 4, 30);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      'app-id': { type: 'string' },
      domain: { type: 'string' },
      'privacy-url': { type: 'string' },
      'terms-url': { type: 'string' },
      out: { type: 'string', default: 'dist/void-teams.zip' },
    },
  });
  const env = loadEnv();
  const appId = values['app-id'] ?? env.MICROSOFT_APP_ID ?? '';
  const privacyUrl = values['privacy-url'] ?? env.TEAMS_PRIVACY_URL;
  const termsUrl = values['terms-url'] ?? env.TEAMS_TERMS_URL;
  if (!values.domain) throw new Error("Give Void's public host name: --domain void.example.com");
  const out = resolve(values.out ?? 'dist/void-teams.zip');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    buildPackage({
      appId,
      domain: values.domain,
      ...(privacyUrl ? { privacyUrl } : {}),
      ...(termsUrl ? { termsUrl } : {}),
    }),
  );
  process.stdout.write(
    `Teams app package written to ${out}\nUpload it in Teams (Apps → Manage your apps → Upload an app) ` +
      `or in the Teams Developer Portal.\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`teams:package: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
