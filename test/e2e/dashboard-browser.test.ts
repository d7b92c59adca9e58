// The dashboard in a real headless browser (Debian's chromium through playwright-core), against a real Void process
// with the Slack adapter talking to a fake Slack Web API and an OIDC provider on loopback that signs real ID tokens.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { JobKind } from '../../agents/queues.js';
import type { Processor } from '../../agents/worker.js';
import { approvalsModule } from '../../approvals/module.js';
import { dashboardModule } from '../../bot/dashboard/module.js';
import type { VoidModule } from '../../bot/modules.js';
import { say, slackUser } from '../helpers/approvals.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { chatLink, dashboardYaml, freePort, OIDC_CLIENT_SECRET } from '../helpers/dashboard.js';
import { FakeIdp } from '../helpers/fake-idp.js';
import { startSlackApp, type SlackTestApp } from '../helpers/slack-app.js';
import { USERS, postSlack, slashForm } from '../helpers/slack.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;

let release: () => void = () => undefined;
const slowDeploy: VoidModule = {
  name: 'test-slow-deploy',
  async setup() {
    const deploy: Processor = async (ctx) => {
      await ctx.progress('building the image', 0.4);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { summary: 'deployed' };
    };
    return { kinds: ['deploy'] as JobKind[], processors: () => new Map<JobKind, Processor>([['deploy', deploy]]) };
  },
};

let t: SlackTestApp;
let idp: FakeIdp;
let chromium: { browser: Browser; close(): Promise<void> };

async function signInByChatLink(userId: string): Promise<Page> {
  const page = await (await chromium.browser.newContext()).newPage();
  await page.goto(await chatLink(t, slackUser(userId)));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dashboard\/t\/acme\/inbox$/);
  return page;
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () =>
    (
      globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> } }
    ).axe.run(),
  );
  return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe.skipIf(!CHROMIUM)('dashboard in a real browser', () => {
  beforeAll(async () => {
    idp = await new FakeIdp('void-acme', OIDC_CLIENT_SECRET).start();
    const port = await freePort();
    t = await startSlackApp({
      yaml: dashboardYaml(idp.url),
      env: {
        PORT: String(port),
        VOID_DASHBOARD_URL: `http://127.0.0.1:${port}`,
        VOID_OIDC_CLIENT_SECRETS: JSON.stringify({ 'acme-idp': OIDC_CLIENT_SECRET }),
        LOG_LEVEL: 'warn',
      },
      before: [approvalsModule()],
      after: [dashboardModule({ pollMs: 200 }), slowDeploy],
    });
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    release();
    await chromium?.close();
    await t?.stop();
    await idp?.stop();
  });

  it(
    'chat link and OIDC sign-in, the requester refused, ' +
      "another member's approval updating the Slack card, live jobs, audit, isolation, CSRF, axe",
    async () => {
      expect(
        (
          await postSlack(t.url, {
            body: slashForm({ text: 'deploy payments to production at v1.4.2', user: USERS.alice }),
          })
        ).status,
      ).toBe(200);
      const [cardPost] = await t.fake.waitFor('chat.postMessage', (c) =>
        JSON.stringify(c.params.blocks ?? '').includes('void_approve'),
      );
      const id = /"value":"(ap-[0-9a-f]+)"/.exec(JSON.stringify(cardPost?.params.blocks))?.[1] as string;
      expect(id).toMatch(/^ap-/);

      // The requester asks Slack for a link (answered privately: an ephemeral message), signs in,
      // and is refused as in chat.
      expect((await postSlack(t.url, { body: slashForm({ text: 'login', user: USERS.alice }) })).status).toBe(200);
      const [privately] = await t.fake.waitFor(
        'chat.postEphemeral',
        (c) => c.params.user === USERS.alice && JSON.stringify(c.params).includes('/dashboard/login/'),
      );
      const link = /https?:\/\/[^\s"\\]+\/dashboard\/login\/[A-Za-z0-9_-]+/.exec(
        JSON.stringify(privately?.params),
      )?.[0] as string;
      const alice = await (await chromium.browser.newContext()).newPage();
      await alice.goto(link);
      await alice.getByRole('button', { name: 'Sign in' }).click();
      await alice.waitForURL(/\/dashboard\/t\/acme\/inbox$/);
      await expect.poll(() => alice.getByRole('heading', { name: 'Your pending requests (1)' }).count()).toBe(1);
      await alice.getByRole('link', { name: 'deploy payments to production at v1.4.2' }).click();
      await shot(alice, 'approval');
      await alice.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => alice.getByRole('alert').textContent()).toContain(`You requested ${id}`);
      expect(await alice.locator('.refusal').getAttribute('data-code')).toBe('approval.self_approval');

      // Another tenant's URL reads as nothing; a form without its CSRF token is refused.
      const other = await alice.goto('/dashboard/t/globex/inbox'.replace(/^/, t.url));
      expect(other?.status()).toBe(404);
      await alice.goto(`${t.url}/dashboard/t/acme/approvals/${id}`);
      await alice.locator('form.decide input[name=_csrf]').evaluate((el) => el.remove());
      await alice.getByRole('button', { name: 'Reject' }).click();
      await expect.poll(() => alice.locator('main').textContent()).toContain('security token is missing or wrong');

      // Bob signs in with OIDC, approves with a reason: the Slack card is updated.
      const bob = await (await chromium.browser.newContext()).newPage();
      await bob.goto(`${t.url}/dashboard/signin`);
      await shot(bob, 'signin');
      expect(await axeViolations(bob)).toEqual([]);
      await bob.getByLabel('Organisation id').fill('acme');
      await bob.getByRole('button', { name: 'Continue' }).click();
      await bob.getByRole('link', { name: /single sign-on/ }).click();
      await bob.waitForURL(/\/dashboard\/t\/acme\/inbox$/);
      await shot(bob, 'inbox');
      expect(await axeViolations(bob)).toEqual([]);
      const updatesBefore = t.fake.callsOf('chat.update').length;
      await bob.getByLabel('Reason (optional for approve)').fill('ref pinned, looks right');
      const clicked = Date.now();
      await bob.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => bob.getByRole('status').textContent()).toContain(`You approved ${id}`);
      const [update] = await t.fake.waitFor(
        'chat.update',
        (c) => JSON.stringify(c.params).includes('Bob Lead'),
        updatesBefore + 1,
      );
      expect(update).toBeDefined();
      expect((update?.at ?? 0) - clicked).toBeLessThan(1000);

      // Carol watches the jobs page; her approval in Slack starts the job; progress arrives without a reload.
      const carol = await signInByChatLink('U0CAROL01');
      await carol.getByRole('link', { name: 'Jobs' }).click();
      await expect.poll(() => carol.locator('#live-status').textContent()).toContain('Live');
      await say(t.app, slackUser('U0CAROL01'), `approve ${id}`);
      const approvedAt = Date.now();
      await expect.poll(() => carol.locator('#jobs').textContent(), { timeout: 5000 }).toContain('building the image');
      expect(Date.now() - approvedAt).toBeLessThan(5000);
      await shot(carol, 'jobs');
      expect(await axeViolations(carol)).toEqual([]);

      // Dave (compliance) verifies the chain and exports it; every page he can see is axe-clean.
      const dave = await signInByChatLink('U0DAVE001');
      for (const path of ['audit', 'compliance', 'tenant']) {
        await dave.goto(`${t.url}/dashboard/t/acme/${path}`);
        await shot(dave, path);
        expect(await axeViolations(dave), path).toEqual([]);
      }
      await dave.goto(`${t.url}/dashboard/t/acme/audit`);
      await dave.getByRole('button', { name: 'Verify the chain' }).click();
      await expect.poll(() => dave.getByRole('status').textContent()).toContain('verified');
      await dave.goto(`${t.url}/dashboard/t/acme/audit`);
      const [download] = await Promise.all([
        dave.waitForEvent('download'),
        dave.getByRole('link', { name: 'JSON Lines' }).click(),
      ]);
      const exported = readFileSync(await download.path(), 'utf8')
        .trim()
        .split('\n');
      expect(JSON.parse(exported[0] as string)).toHaveProperty('export.headSeq');
      expect(exported.some((l) => l.includes('"security.csrf_refused"'))).toBe(true);
      const erin = await signInByChatLink('U0ERIN001');
      await erin.goto(`${t.url}/dashboard/t/acme/system`);
      await shot(erin, 'system');
      expect(await axeViolations(erin)).toEqual([]);
    },
    180_000,
  );
});
