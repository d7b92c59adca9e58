// Headless Debian chromium driven by playwright-core (its executable path; never a browser download). When no
// chromium is installed the browser tests say so plainly and skip (.ci/run installs it: apt-get install chromium).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => Boolean(p),
);

export const CHROMIUM = CANDIDATES.find((p) => existsSync(p));

if (!CHROMIUM)
  console.warn(
    `Browser tests SKIPPED: no chromium at ${CANDIDATES.join(' or ')} (install it: apt-get install -y chromium).`,
  );

/** playwright-core gives every launch a fresh temporary --user-data-dir of its own (it refuses one in args), and
 *  each test user gets a new incognito-like context in it: no state survives between runs or users. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}
