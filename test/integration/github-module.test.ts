// How the GitHub module switches on: nothing without configuration, the VcsPort with App credentials, the webhook
// route with the secret as well; a secret without App credentials stops the start with a clear message.
import { describe, expect, it } from 'vitest';
import { VoidApp } from '../../bot/app.js';
import { createLogger } from '../../bot/logger.js';
import { createGithubModule } from '../../integrations/github/module.js';
import { REDIS_URL, startTestApp, testConfig, uniqueId } from '../helpers/app.js';
import { githubEnv, WEBHOOK_SECRET } from '../helpers/github.js';

async function routeStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  await res.text();
  return res.status;
}

describe('GitHub module configuration', () => {
  it('contributes nothing without GitHub variables', async () => {
    const t = await startTestApp({ role: 'web', modules: [createGithubModule()] });
    try {
      expect(await routeStatus(t.url)).toBe(404);
      expect(t.app.provided('vcs')).toBeUndefined();
      expect(t.app.chat.has('github')).toBe(false);
    } finally {
      await t.stop();
    }
  });

  it('provides the VcsPort and the chat port with App credentials, and the route only with the secret', async () => {
    const env = githubEnv();
    delete env.GITHUB_WEBHOOK_SECRET;
    const t = await startTestApp({ role: 'web', config: testConfig({ env }), modules: [createGithubModule()] });
    try {
      expect(t.app.provided('vcs')).toBeDefined();
      expect(t.app.chat.has('github')).toBe(true);
      expect(await routeStatus(t.url)).toBe(404);
    } finally {
      await t.stop();
    }
    const full = await startTestApp({
      role: 'web',
      config: testConfig({ env: githubEnv() }),
      modules: [createGithubModule()],
    });
    try {
      expect(await routeStatus(full.url)).toBe(401);
    } finally {
      await full.stop();
    }
  });

  it('refuses to start with a webhook secret but no App credentials', async () => {
    const config = testConfig({ env: { GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    const create = VoidApp.create(
      config,
      {
        role: 'web',
        redisUrl: REDIS_URL,
        prefix: uniqueId('void-test'),
        queueName: uniqueId('q'),
        log: createLogger({ level: 'silent' }),
      },
      [createGithubModule()],
    );
    await expect(create).rejects.toMatchObject({
      code: 'config.github_incomplete',
      message: expect.stringContaining('GITHUB_WEBHOOK_SECRET is set but GITHUB_APP_ID and GITHUB_PRIVATE_KEY are not'),
    });
  });
});
