// The Teams app package: a valid zip holding the manifest (app id and domain filled in) and both icons.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { USAGE } from '../../bot/core/grammar.js';
import { buildManifest, buildPackage, MAX_MENU_COMMANDS } from '../../bot/teams/package.js';

const TEMPLATE = readFileSync(new URL('../../bot/teams/manifest.json', import.meta.url), 'utf8');

const APP_ID = 'c9e8c047-2a74-40a2-b28a-b162d5f5327c';
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
if (!hasUnzip) console.log('teams-package: unzip is not installed, so the archive check is skipped');

describe('Teams app package', () => {
  it('fills in the app id and domain, and refuses values that Teams would reject', () => {
    const manifest = JSON.parse(
      buildManifest('{"id":"{{MICROSOFT_APP_ID}}","validDomains":["{{VOID_DOMAIN}}"]}', {
        appId: APP_ID,
        domain: 'void.acme.example',
      }),
    );
    expect(manifest).toEqual({ id: APP_ID, validDomains: ['void.acme.example'] });
    expect(() => buildManifest('{}', { appId: 'not-a-guid', domain: 'void.acme.example' })).toThrow(/GUID/);
    expect(() => buildManifest('{}', { appId: APP_ID, domain: 'https://void.acme.example' })).toThrow(/host name/);
  });

  it.skipIf(!hasUnzip)(
    'writes a zip that unzip verifies, with manifest.json, color.png and outline.png at the root',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'void-teams-'));
      const file = join(dir, 'void-teams.zip');
      writeFileSync(file, buildPackage({ appId: APP_ID, domain: 'void.acme.example' }));
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
      expect(execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n')).toEqual([
        'manifest.json',
        'color.png',
        'outline.png',
      ]);
      const manifest = JSON.parse(execFileSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' }));
      expect(manifest.id).toBe(APP_ID);
      expect(manifest.bots[0].botId).toBe(APP_ID);
      expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
      const color = execFileSync('unzip', ['-p', file, 'color.png']);
      expect(color.readUInt32BE(16)).toBe(192);
      const outline = execFileSync('unzip', ['-p', file, 'outline.png']);
      expect(outline.readUInt32BE(16)).toBe(32);
    },
  );

  it('links privacy and terms to the pages Void serves, or to the URLs the operator gives (https only)', () => {
    const served = JSON.parse(buildManifest(TEMPLATE, { appId: APP_ID, domain: 'void.acme.example' }));
    expect(served.developer).toMatchObject({
      privacyUrl: 'https://void.acme.example/privacy',
      termsOfUseUrl: 'https://void.acme.example/terms',
    });
    const own = JSON.parse(
      buildManifest(TEMPLATE, {
        appId: APP_ID,
        domain: 'void.acme.example',
        privacyUrl: 'https://acme.example/legal/privacy',
        termsUrl: 'https://acme.example/legal/terms',
      }),
    );
    expect(own.developer).toMatchObject({
      privacyUrl: 'https://acme.example/legal/privacy',
      termsOfUseUrl: 'https://acme.example/legal/terms',
    });
    expect(() =>
      buildManifest(TEMPLATE, {
        appId: APP_ID,
        domain: 'void.acme.example',
        privacyUrl: 'http://acme.example/privacy',
      }),
    ).toThrow(/privacy URL must be an https:\/\/ URL/);
  });

  it(
    'offers at most 10 commands in the Teams menu, ' + 'each a real command, with jira, audit and policy among them',
    () => {
      const manifest = JSON.parse(buildManifest(TEMPLATE, { appId: APP_ID, domain: 'void.acme.example' }));
      const titles = (manifest.bots[0].commandLists[0].commands as Array<{ title: string; description: string }>).map(
        (c) => c.title,
      );
      expect(titles.length).toBeLessThanOrEqual(MAX_MENU_COMMANDS);
      expect(titles).toEqual(
        expect.arrayContaining(['help', 'review', 'deploy', 'approve', 'jira', 'audit', 'policy']),
      );
      for (const title of titles) expect(Object.keys(USAGE), title).toContain(title);
      const eleven = TEMPLATE.replace(
        '"commands": [',
        '"commands": [' + '{ "title": "x", "description": "x" },'.repeat(11),
      );
      expect(() => buildManifest(eleven, { appId: APP_ID, domain: 'void.acme.example' })).toThrow(
        /at most 10 commands/,
      );
    },
  );
});
