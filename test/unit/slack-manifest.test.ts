// The app manifest people paste into Slack must agree with the code: scopes asked for at install, one endpoint.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BOT_SCOPES } from '../../bot/slack/oauth.js';

const manifest = parse(readFileSync(new URL('../../bot/slack/manifest.yaml', import.meta.url), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] }; redirect_urls: string[] };
  features: { slash_commands: Array<{ command: string; url: string }>; app_home: { home_tab_enabled: boolean } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { request_url: string };
  };
};

describe('bot/slack/manifest.yaml', () => {
  it('asks for exactly the scopes the OAuth install requests', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
  });

  it(
    'sends commands, events and interactivity to the one endpoint, ' +
      'and redirects installs to /slack/oauth_redirect',
    () => {
      const urls = [
        manifest.features.slash_commands[0]?.url,
        manifest.settings.event_subscriptions.request_url,
        manifest.settings.interactivity.request_url,
      ];
      expect(urls.every((u) => u?.endsWith('/slack/events'))).toBe(true);
      expect(manifest.features.slash_commands[0]?.command).toBe('/void');
      expect(manifest.oauth_config.redirect_urls[0]).toMatch(/\/slack\/oauth_redirect$/);
    },
  );

  it('subscribes to the events Void handles', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([
      'app_home_opened',
      'app_mention',
      'message.im',
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
